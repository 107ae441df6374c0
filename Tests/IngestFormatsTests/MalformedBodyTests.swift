import Testing
@testable import IngestFormats

/// The malformed-body corpus of issue 5, for every JSON-enveloped format: each is refused as a whole.
struct MalformedBodyTests {
    static let valid: [IngestFormat: String] = [
        .structured: #"[{"events":[{"rawstring":"VALUE"}]}]"#,
        .unstructured: #"[{"messages":["VALUE"]}]"#,
        .json: #"{"a":"VALUE"}"#,
        .hec: #"{"event":"VALUE"}"#,
        .elasticBulk: "{\"index\":{}}\n{\"a\":\"VALUE\"}\n",
    ]

    /// Replaces `VALUE` inside a valid body with raw bytes.
    static func body(_ format: IngestFormat, value: [UInt8]) -> [UInt8] {
        let parts = valid[format]!.split(separator: "VALUE", omittingEmptySubsequences: false)
        return Array(parts[0].utf8) + value + Array(parts[1].utf8)
    }

    static let formats: [IngestFormat] = [.structured, .unstructured, .json, .hec, .elasticBulk]

    /// The errors the gateway answers 400 with HEC code 6, "Invalid data format" (`GatewayTests.IngestRefusalTests`).
    static func isInvalidDataFormat(_ error: DecodeError?) -> Bool {
        switch error {
        case .malformedJSON, .malformedEvent, .invalidEvent, .malformedBulk: true
        case .noData, .eventFieldRequired, .eventFieldBlank, nil: false
        }
    }

    @Test(arguments: formats)
    func theValidTemplateIsAccepted(_ format: IngestFormat) {
        #expect(Harness.failure(format, Self.body(format, value: Array("ok".utf8))) == nil)
    }

    @Test(arguments: formats, [
        [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE6, 0x97], [0x00], [0x0A], [0x1F],
        Array(#"\x"#.utf8), Array(#"\u12"#.utf8),
    ] as [[UInt8]])
    func refusesBadStringContent(_ format: IngestFormat, _ value: [UInt8]) {
        let error = Harness.failure(format, Self.body(format, value: value))
        #expect(error != nil)
        #expect(Self.isInvalidDataFormat(error))
    }

    @Test(arguments: formats)
    func refusesEveryTruncation(_ format: IngestFormat) {
        let whole = Array(Self.valid[format]!.utf8)
        for cut in 1..<whole.count {
            let prefix = Array(whole[..<cut])
            // A bulk body missing only its final line break is whole; every other prefix is refused.
            if format == .elasticBulk && cut == whole.count - 1 { continue }
            #expect(Harness.failure(format, prefix) != nil, "\(format) cut at \(cut)")
        }
    }

    @Test(arguments: formats)
    func refusesAByteOrderMark(_ format: IngestFormat) {
        #expect(Harness.failure(format, [0xEF, 0xBB, 0xBF] + Array(Self.valid[format]!.utf8)) != nil)
    }
}
