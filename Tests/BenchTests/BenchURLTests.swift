import Testing
@testable import Bench
import TLSSocket

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

    @Test func httpsDefaultsToPort443() throws {
        #expect(try BenchURL(parsing: "https://h") == BenchURL(host: "h", port: 443, path: "", usesTLS: true))
        #expect(try BenchURL(parsing: "HTTPS://h:8443/x") == BenchURL(host: "h", port: 8443, path: "/x", usesTLS: true))
        #expect(try BenchURL(parsing: "https://h").authority == "h")
        #expect(try BenchURL(parsing: "https://h:80").authority == "h:80")
        #expect(try BenchURL(parsing: "http://h:443").authority == "h:443")
    }

    @Test func tlsOptionsNeedAnHTTPSURL() throws {
        var configuration = BenchConfiguration(url: try BenchURL(parsing: "http://h"))
        configuration.requests = 1
        configuration.insecure = true
        #expect(throws: BenchError.invalidOption("--ca and --insecure apply to https:// URLs only")) { try configuration.validate() }
        configuration.url = try BenchURL(parsing: "https://h")
        try configuration.validate()
        configuration.caFile = "/ca.pem"
        #expect(throws: BenchError.invalidOption("give --ca or --insecure, not both")) { try configuration.validate() }
        configuration.insecure = false
        #expect(configuration.trust == .caFile("/ca.pem"))
        configuration.requestsPerConnection = 0
        #expect(throws: BenchError.invalidOption("--requests-per-connection must be positive")) { try configuration.validate() }
    }

    @Test func targetFallsBackToTheFormatPath() throws {
        #expect(try BenchURL(parsing: "http://h").target(for: .hec) == "/services/collector/event")
        #expect(try BenchURL(parsing: "http://h/").target(for: .bulk) == "/_bulk")
        #expect(try BenchURL(parsing: "http://h/custom").target(for: .bulk) == "/custom")
        #expect(try BenchURL(parsing: "http://h:81").authority == "h:81")
        #expect(try BenchURL(parsing: "http://[::1]").authority == "[::1]")
    }
}
