#if canImport(Glibc)
import Glibc
#endif
import HTTPWire

/// Maps a request path (bytes, no query) to a ``Route``. A table of exact paths plus the three path
/// shapes with a variable segment; later endpoints extend ``Router/exactRoutes``.
public enum Router {
    static let exactRoutes: [(path: StaticString, route: Route)] = [
        ("/api/v1/status", .status),
        ("/metrics", .metrics),
        ("/", .elasticHandshake),
        ("/api/v1/ingest/humio-structured", .ingest(.structured)),
        ("/api/v1/ingest/humio-unstructured", .ingest(.unstructured)),
        ("/api/v1/ingest/raw", .ingest(.raw)),
        ("/api/v1/ingest/json", .ingest(.json)),
        ("/api/v1/ingest/hec", .ingest(.hec)),
        ("/api/v1/ingest/hec/raw", .ingest(.hecRaw)),
        ("/api/v1/ingest/elastic-bulk", .ingest(.elasticBulk)),
        ("/services/collector", .ingest(.hec)),
        ("/services/collector/1.0", .ingest(.hec)),
        ("/services/collector/event", .ingest(.hec)),
        ("/services/collector/event/1.0", .ingest(.hec)),
        ("/services/collector/raw", .ingest(.hecRaw)),
        ("/services/collector/raw/1.0", .ingest(.hecRaw)),
        ("/services/collector/health", .hecHealth),
        ("/services/collector/health/1.0", .hecHealth),
        ("/services/collector/ack", .hecAck),
        ("/services/collector/ack/1.0", .hecAck),
        ("/_bulk", .ingest(.elasticBulk)),
        ("/graphql", .graphql),
    ]

    static let rawTokenPrefix: StaticString = "/api/v1/ingest/raw/"
    static let bulkSuffix: StaticString = "/_bulk"

    public static func route(_ path: UnsafeRawBufferPointer) -> Route? {
        for entry in exactRoutes where path.equals(entry.path) { return entry.route }
        if path.hasPrefix(rawTokenPrefix), path.count > rawTokenPrefix.utf8CodeUnitCount,
           !path[rawTokenPrefix.utf8CodeUnitCount...].contains(UInt8(ascii: "/")) {
            return .ingest(.rawWithPathToken)
        }
        if bulkIndex(path) != nil { return .ingest(.elasticBulk) }
        return nil
    }

    /// The `{index}` of `/{index}/_bulk`, which names the repository of actions that name none.
    public static func bulkIndex(_ path: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard path.count > bulkSuffix.utf8CodeUnitCount + 1, path.hasSuffix(bulkSuffix), path[0] == UInt8(ascii: "/") else { return nil }
        let index = UnsafeRawBufferPointer(rebasing: path[1..<(path.count - bulkSuffix.utf8CodeUnitCount)])
        return index.contains(UInt8(ascii: "/")) ? nil : index
    }

    /// The `{token}` segment of `/api/v1/ingest/raw/{token}`.
    public static func pathToken(_ path: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: path[rawTokenPrefix.utf8CodeUnitCount...])
    }
}

extension UnsafeRawBufferPointer {
    /// Byte equality with a literal through `memcmp` (the route table is scanned on every request).
    func equals(_ text: StaticString) -> Bool {
        guard count == text.utf8CodeUnitCount else { return false }
        guard let base = baseAddress, count > 0 else { return true }
        return memcmp(base, text.utf8Start, count) == 0
    }

    func hasPrefix(_ text: StaticString) -> Bool {
        count >= text.utf8CodeUnitCount && text.withUTF8Buffer { self.prefix($0.count).elementsEqual($0) }
    }

    func hasSuffix(_ text: StaticString) -> Bool {
        count >= text.utf8CodeUnitCount && text.withUTF8Buffer { self.suffix($0.count).elementsEqual($0) }
    }
}
