import POSIX
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The credentials created on first start, shown once and saved to `DATA/bootstrap-credentials.json` (0600).
public struct BootstrapResult: Codable, Sendable, Equatable {
    public var repository: String
    public var ingestTokenName: String
    public var ingestToken: String
    public var user: String
    public var apiToken: String

    /// A ready command that sends one event to the sandbox repository with the ingest token.
    public func curlCommand(baseURL: String) -> String {
        "curl -sS \(baseURL)/api/v1/ingest/humio-unstructured -H 'Authorization: Bearer \(ingestToken)' "
            + "-H 'Content-Type: application/json' -d '[{\"messages\":[\"hello from sluice\"]}]'"
    }
}

extension TokenStore {
    /// The snapshot a fresh data directory starts with: organization `default`, the four system
    /// repositories, repository `sandbox` (kind sandbox), each with an ingest token `default`, and user
    /// `admin` (root) with a personal API token. Returns the snapshot and the credentials to show.
    public static func initialSnapshot() throws(TokenError) -> (Snapshot, BootstrapResult) {
        var snapshot = Snapshot(organizations: [Organization(name: Snapshot.defaultOrganization)])
        let now = WallClock.milliseconds()
        for name in Snapshot.systemRepositoryNames {
            try snapshot.addRepository(name: name, kind: .system, createdAt: now)
        }
        let ingestToken = try snapshot.addRepository(name: "sandbox", kind: .sandbox, createdAt: now)
        try snapshot.addUser(name: "admin", root: true)
        let apiToken = try snapshot.addAPIToken(kind: .personal, name: "admin", user: "admin")
        return (snapshot, BootstrapResult(repository: "sandbox", ingestTokenName: "default", ingestToken: ingestToken,
                                          user: "admin", apiToken: apiToken))
    }

    /// On first start (no snapshot in `dataDirectory`): creates the folder, writes
    /// `bootstrap-credentials.json` (0600) and then the initial snapshot, and returns the credentials for
    /// the server to print once. Returns nil when a snapshot already exists.
    public static func bootstrap(dataDirectory: String) throws(TokenError) -> BootstrapResult? {
        try makeDirectories(dataDirectory)
        let file = SnapshotFile(dataDirectory: dataDirectory)
        if file.exists { return nil }
        var result: BootstrapResult?
        let created = try file.createIfAbsent { () throws(TokenError) -> Snapshot in
            let (snapshot, credentials) = try initialSnapshot()
            try writeCredentials(credentials, to: dataDirectory + "/bootstrap-credentials.json")
            result = credentials
            return snapshot
        }
        return created ? result : nil
    }

    private static func writeCredentials(_ credentials: BootstrapResult, to path: String) throws(TokenError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var bytes = [UInt8](try! encoder.encode(credentials))
        bytes.append(UInt8(ascii: "\n"))
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .system(file: path, operation: "open", errno: errno) }
        defer { close(fd) }
        fchmod(fd, 0o600)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw .system(file: path, operation: "write", errno: errno) }
        guard fsync(fd) == 0 else { throw .system(file: path, operation: "fsync", errno: errno) }
    }
}
