import Testing
@testable import IngestFormats

/// (How each error is answered, with its message, is `GatewayTests.IngestRefusalTests`.)
struct DecodeErrorTests {
    @Test func aMalformedBodyNamesTheOffsetWhereItBreaks() {
        let body = Array(#"[{"events":[{"rawstring":"a"} {"rawstring":"b"}]}]"#.utf8)
        let error = Harness.failure(.structured, body)
        #expect(error == .malformedJSON(offset: 30, reason: "expected ',' or ']'"))
        #expect(body[30] == UInt8(ascii: "{"))
    }
}
