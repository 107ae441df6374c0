import Testing
@testable import Bench

@Suite struct BenchURLTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080", BenchURL(host: "127.0.0.1", port: 8080, path: "")),
        ("http://localhost/services/collector", BenchURL(host: "localhost", port: 80, path: "/services/collector")),
        ("http://[::1]:9000/x", BenchURL(host: "::1", port: 9000, path: "/x")),
        ("HTTP://example.com:1/", BenchURL(host: "example.com", port: 1, path: "/")),
    ])
    func parses(_ text: String, _ expected: BenchURL) throws {
        #expect(try BenchURL(parsing: text) == expected)
    }

    @Test(arguments: ["ftp://x", "http://", "http://:80", "http://h:0", "http://h:99999", "http://[::1", "127.0.0.1:80"])
    func refuses(_ text: String) {
        #expect(throws: BenchError.invalidURL(text)) { try BenchURL(parsing: text) }
    }

    @Test func httpsIsRefusedClearly() {
        #expect(throws: BenchError.tlsNotSupported("https://h:443")) { try BenchURL(parsing: "https://h:443") }
        #expect(BenchError.tlsNotSupported("https://h").description.contains("TLS is not implemented"))
    }

    @Test func targetFallsBackToTheFormatPath() throws {
        #expect(try BenchURL(parsing: "http://h").target(for: .hec) == "/services/collector/event")
        #expect(try BenchURL(parsing: "http://h/").target(for: .bulk) == "/_bulk")
        #expect(try BenchURL(parsing: "http://h/custom").target(for: .bulk) == "/custom")
        #expect(try BenchURL(parsing: "http://h:81").authority == "h:81")
        #expect(try BenchURL(parsing: "http://[::1]").authority == "[::1]")
    }
}
