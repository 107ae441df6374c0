import Foundation
import Testing
@testable import Gateway

@Suite struct CredentialReaderTests {
    static let known = "Abc123tokenValue"

    func resolve(_ header: String?) -> CredentialOutcome<String> {
        var reader = CredentialReader()
        let lookup: (UnsafeRawBufferPointer) -> String? = { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            return text == Self.known ? "principal" : nil
        }
        guard let header else { return reader.resolve(authorization: nil, lookup: lookup) }
        return Array(header.utf8).withUnsafeBytes { reader.resolve(authorization: $0, lookup: lookup) }
    }

    func basic(_ pair: String) -> String { "Basic " + Data(pair.utf8).base64EncodedString() }

    @Test(arguments: [
        "Bearer \(known)", "Splunk \(known)", "Bozon \(known)", "bearer  \(known) ",
    ])
    func acceptsAnySchemeWordFollowedByTheToken(_ header: String) {
        guard case .found("principal") = resolve(header) else { Issue.record("not found for \(header.prefix(7))"); return }
    }

    @Test func basicTakesThePasswordThenTheUser() {
        guard case .found = resolve(basic("user:\(Self.known)")) else { Issue.record("password slot"); return }
        guard case .found = resolve(basic("\(Self.known):")) else { Issue.record("user slot, empty password"); return }
        guard case .found = resolve(basic("\(Self.known):wrong")) else { Issue.record("user slot, wrong password"); return }
        guard case .unknown = resolve(basic("a:b")) else { Issue.record("unknown pair"); return }
    }

    @Test func distinguishesMissingMalformedAndUnknown() {
        guard case .missing = resolve(nil) else { Issue.record("nil"); return }
        guard case .missing = resolve("  ") else { Issue.record("blank"); return }
        guard case .malformed = resolve("Bearer") else { Issue.record("scheme only"); return }
        guard case .malformed = resolve("Bearer a b") else { Issue.record("two words"); return }
        guard case .malformed = resolve("Basic !!!") else { Issue.record("bad base64"); return }
        guard case .malformed = resolve(basic("nocolon")) else { Issue.record("no colon"); return }
        guard case .unknown = resolve("Bearer nope") else { Issue.record("unknown"); return }
    }

    @Test(arguments: ["", "YQ", "YWI", "YWJj", "YWJjZA==", "YWJjZA", "8J+YgA=="])
    func base64MatchesFoundation(_ encoded: String) {
        var output: [UInt8] = []
        let ok = Array(encoded.utf8).withUnsafeBytes { Base64.decode($0, into: &output) }
        let padded = encoded + String(repeating: "=", count: (4 - encoded.count % 4) % 4)
        #expect(ok)
        #expect(Data(output) == Data(base64Encoded: padded))
    }
}
