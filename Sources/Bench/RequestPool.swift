/// Complete HTTP/1.1 requests (head and body, gzip-compressed if asked) built before the clock starts, so
/// generating payloads is never in the timed path. Workers cycle through them.
///
/// Guarantees: every entry is a valid `POST` with `Host`, `Content-Type`, `Content-Length` (of the bytes
/// actually sent), `Authorization: Bearer` when a token is given and `Content-Encoding: gzip` with `--gzip`;
/// the same configuration and seed give the same bytes.
public struct RequestPool: Sendable {
    public struct Entry: Sendable {
        /// Head and body, ready to write.
        public let request: [UInt8]
        /// Body bytes on the wire (compressed with gzip).
        public let bodyBytes: Int
        /// Body bytes before compression.
        public let rawBodyBytes: Int
        /// Events the server counts for this body.
        public let events: Int
    }

    public let entries: [Entry]

    public init(
        url: BenchURL, token: String?, tokens: [String] = [], format: BenchFormat, batch: Int, gzip: Bool,
        generator: inout PayloadGenerator, count: Int, extraHeaders: String = ""
    ) throws(BenchError) {
        let builder = RequestBodyBuilder(format: format, batch: batch)
        var entries: [Entry] = []
        // With several tokens, at least one request per token.
        let count = max(1, count, tokens.count)
        entries.reserveCapacity(count)
        var headPrefix = "POST \(url.target(for: format)) HTTP/1.1\r\nHost: \(url.authority)\r\n"
        headPrefix += "User-Agent: sluice-bench\r\nContent-Type: \(format.contentType)\r\n"
        if gzip { headPrefix += "Content-Encoding: gzip\r\n" }
        headPrefix += extraHeaders
        for index in 0..<count {
            let raw = builder.build(&generator)
            let body = gzip ? try GzipCompressor.compress(raw) : raw
            var head = headPrefix
            if let token = tokens.isEmpty ? token : tokens[index % tokens.count] { head += "Authorization: Bearer \(token)\r\n" }
            var request = Array((head + "Content-Length: \(body.count)\r\n\r\n").utf8)
            request.append(contentsOf: body)
            entries.append(Entry(request: request, bodyBytes: body.count, rawBodyBytes: raw.count,
                                 events: format.events(forLines: batch)))
        }
        self.entries = entries
    }

    /// How many distinct bodies to pre-build: up to 64, fewer when bodies are large (about 64 MiB in all).
    public static func suggestedCount(batch: Int, eventBytes: Int) -> Int {
        let estimate = max(1, batch * max(eventBytes, 64))
        return max(4, min(64, (64 << 20) / estimate))
    }
}
