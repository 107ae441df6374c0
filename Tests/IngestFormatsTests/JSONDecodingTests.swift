import Testing
@testable import IngestFormats

struct JSONDecodingTests {
    static let cases: [(String, String, [Rendered])] = [
        ("an object: members flattened, @timestamp sets the time, null as text, empty containers kept",
         #"{"a":"x","@timestamp":"2023-11-14T21:00:00.5Z","n":null,"arr":[],"o":{},"deep":{"k":[{"z":1.5e3}]}}"#,
         [Rendered(raw: #"{"a":"x","@timestamp":"2023-11-14T21:00:00.5Z","n":null,"arr":[],"o":{},"deep":{"k":[{"z":1.5e3}]}}"#,
                   millis: 1_699_995_600_500, fields: ["a=x", "n=null", "arr=[]", "o={}", "deep.k[0].z=1.5e3"])]),
        ("an array: one event per object, raw text as sent",
         "[ {\"a\":1} ,\n{\"b\":true,\"@timezone\":\"Europe/Paris\",\"@timestamp\":1699995600123} ]",
         [Rendered(raw: #"{"a":1}"#, millis: Harness.ingest, fields: ["a=1"]),
          Rendered(raw: #"{"b":true,"@timezone":"Europe/Paris","@timestamp":1699995600123}"#, millis: 1_699_995_600_123,
                   zone: "Europe/Paris", fields: ["b=true"])]),
        ("tags are fields whose names start with #", ##"{"#repo":"r","#type":"t","m":"v"}"##,
         [Rendered(raw: ##"{"#repo":"r","#type":"t","m":"v"}"##, millis: Harness.ingest, fields: ["#repo=r", "#type=t", "m=v"])]),
        ("escaped names and values", #"{"a\u0042":"\ud83d\ude00"}"#,
         [Rendered(raw: #"{"a\u0042":"\ud83d\ude00"}"#, millis: Harness.ingest, fields: ["aB=😀"])]),
        ("an empty array", "[]", []),
        ("numbers beyond Int64 and Double are kept as sent", #"{"big":123456789012345678901234567890,"huge":1e400}"#,
         [Rendered(raw: #"{"big":123456789012345678901234567890,"huge":1e400}"#, millis: Harness.ingest,
                   fields: ["big=123456789012345678901234567890", "huge=1e400"])]),
        ("a NUL escape survives as a byte", #"{"z":"a\u0000b"}"#,
         [Rendered(raw: #"{"z":"a\u0000b"}"#, millis: Harness.ingest, fields: ["z=a\u{0}b"])]),
    ]

    @Test(arguments: cases)
    func decodes(_ name: String, _ body: String, _ expected: [Rendered]) throws {
        #expect(try Harness.decode(.json, body) == expected, "\(name)")
    }

    static let failures: [([UInt8], DecodeError)] = [
        (Array("".utf8), .noData),
        (Array(#"{"a":1"#.utf8), .malformedJSON(offset: 6, reason: "unexpected end of input")),
        (Array(#"[{"a":1},2]"#.utf8), .invalidEvent(eventNumber: 1, reason: "an event must be an object, found number")),
        (Array(#""x""#.utf8), .invalidEvent(eventNumber: 0, reason: "expected an object or an array, found string")),
        (Array(#"{"a":1}{"b":2}"#.utf8), .malformedJSON(offset: 7, reason: "unexpected data after the JSON value")),
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D], .malformedJSON(offset: 6, reason: "invalid UTF-8")),
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0x00, 0x22, 0x7D], .malformedJSON(offset: 6, reason: "unescaped control character in string")),
        ([0x7B, 0x00, 0x7D], .malformedJSON(offset: 1, reason: "expected a member name")),
        (Array(#"{"a":01}"#.utf8), .malformedJSON(offset: 6, reason: "expected ',' or '}'")),
        (Array(#"{"@timestamp":[1]}"#.utf8), .invalidEvent(eventNumber: 0, reason: "@timestamp must be a number or a string, found array")),
    ]

    @Test(arguments: failures)
    func refuses(_ body: [UInt8], _ expected: DecodeError) {
        #expect(Harness.failure(.json, body) == expected)
    }

    @Test(arguments: [IngestFormat.json, .hec, .structured, .unstructured, .elasticBulk])
    func refusesNestingBeyondTheLimit(_ format: IngestFormat) {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let body: String = switch format {
        case .json: #"{"a":"# + deep + "}"
        case .hec: #"{"event":"x","fields":{"a":"# + deep + "}}"
        case .structured: #"[{"events":[{"attributes":{"a":"# + deep + "}}]}]"
        case .unstructured: #"[{"messages":["m"],"x":"# + deep + "}]"
        default: "{\"index\":{}}\n{\"a\":" + deep + "}\n"
        }
        let error = Harness.failure(format, Array(body.utf8))
        #expect(String(describing: error).contains("reason: \"nesting deeper than 64\""), "\(String(describing: error))")
    }

    @Test func theDepthLimitIsConfigurable() throws {
        var limits = DecodeLimits()
        limits.maxDepth = 3
        let context = Harness.context(limits: limits)
        #expect(try Harness.decode(.json, #"{"a":{"b":[1]}}"#, context).count == 1)
        #expect(Harness.failure(.json, Array(#"{"a":{"b":[[1]]}}"#.utf8), context)
                == .malformedJSON(offset: 11, reason: "nesting deeper than 3"))
    }
}
