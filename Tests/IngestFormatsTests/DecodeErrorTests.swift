import Testing
@testable import IngestFormats

struct DecodeErrorTests {
    @Test(arguments: [
        (DecodeError.malformedJSON(offset: 7, reason: "expected a value"), "Malformed JSON at byte 7: expected a value", "Invalid data format"),
        (.malformedEvent(eventNumber: 2, offset: 40, reason: "invalid UTF-8"),
         "Invalid data format: event 2 is malformed JSON at byte 40: invalid UTF-8", "Invalid data format"),
        (.noData, "No data", "No data"),
        (.eventFieldRequired(eventNumber: 0), "Event field is required", "Event field is required"),
        (.eventFieldBlank(eventNumber: 0), "Event field cannot be blank", "Event field cannot be blank"),
        (.invalidEvent(eventNumber: 3, reason: "fields must be an object, found array"),
         "Invalid data format: event 3: fields must be an object, found array", "Invalid data format"),
        (.malformedBulk(line: 5, reason: "unknown action; expected create, delete, index or update"),
         "Malformed bulk request at line 5: unknown action; expected create, delete, index or update", "Invalid data format"),
    ])
    func describesItself(_ error: DecodeError, _ message: String, _ hecText: String) {
        #expect(error.message == message)
        #expect(error.hecText == hecText)
        #expect(error.status == 400)
    }

    @Test func aMalformedBodyNamesTheOffsetWhereItBreaks() {
        let body = Array(#"[{"events":[{"rawstring":"a"} {"rawstring":"b"}]}]"#.utf8)
        let error = Harness.failure(.structured, body)
        #expect(error == .malformedJSON(offset: 30, reason: "expected ',' or ']'"))
        #expect(body[30] == UInt8(ascii: "{"))
    }
}
