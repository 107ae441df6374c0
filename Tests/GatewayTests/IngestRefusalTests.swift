import Testing
import IngestFormats
import Tokens
import WAL
@testable import Gateway

/// How the inner modules' reasons are answered: status, HEC code, text and message per reason.
@Suite struct IngestRefusalTests {
    /// The answer style of an endpoint family (as ``IngestEndpoint/answerStyle`` gives it).
    static func style(_ family: IngestEndpointFamily) -> AnswerStyle {
        switch family {
        case .hec: .hec
        case .elasticBulk: .elastic
        case .structured, .unstructured, .raw, .json: .logScale
        }
    }

    static let incorrectIndex: [ScopeRefusal] = [
        .otherRepository(own: "web", named: "theirs"), .noRepositoryNamed, .unknownRepository("nowhere"),
        .outsideOrganization("theirs"), .notRegular(.system, "audit"), .notRegular(.sandbox, "play"),
    ]

    /// The scope table of docs/tokens.md: unknown or missing token 401 (HEC: 403, code 4); personal API token
    /// or an API token without its ingest permission 403 (HEC code 4); an event naming a repository the
    /// credential may not write 400 (HEC code 7).
    @Test(arguments: IngestEndpointFamily.allCases)
    func scopeRefusalsAnswerAsTheScopeTableSays(_ family: IngestEndpointFamily) {
        let style = Self.style(family)
        let unknown = IngestRefusal(ScopeRefusal.unknownCredential)
        #expect(unknown.status(style) == (family == .hec ? 403 : 401) && unknown.hecCode == 4)
        for scope in [ScopeRefusal.personalToken, .noIngestPermission] {
            let refusal = IngestRefusal(scope)
            #expect(refusal.status(style) == 403 && refusal.hecCode == 4 && !refusal.message.isEmpty, "\(scope)")
        }
        for scope in Self.incorrectIndex {
            let refusal = IngestRefusal(scope, event: 2)
            #expect(refusal.status(style) == 400 && refusal.hecCode == 7 && refusal.invalidEventNumber == 2, "\(scope)")
            #expect(refusal.message.hasPrefix("event 2: Incorrect index"))
            #expect(refusal.hecText == "Incorrect index")
        }
    }

    @Test func scopeRefusalMessages() {
        #expect(IngestRefusal(ScopeRefusal.personalToken).message == "personal API tokens cannot ingest")
        #expect(IngestRefusal(ScopeRefusal.noIngestPermission).message == "this API token has no ingest permission")
        #expect(IngestRefusal(ScopeRefusal.personalToken).reason == "forbidden")
        #expect(IngestRefusal(.unknownRepository("x"), event: 0).message == "event 0: Incorrect index: unknown repository 'x'")
        #expect(IngestRefusal(.notRegular(.system, "audit"), event: 1).message
            == "event 1: Incorrect index: system repository 'audit' accepts only its own ingest tokens")
    }

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
    func decodeErrorsDescribeThemselves(_ error: DecodeError, _ message: String, _ hecText: String) {
        let refusal = IngestRefusal(error)
        #expect(refusal.message == message)
        #expect(refusal.hecText == hecText)
        for style in [AnswerStyle.logScale, .hec, .elastic] { #expect(refusal.status(style) == 400) }
    }

    @Test(arguments: [
        (DecodeError.noData, 5, nil as Int?), (.eventFieldRequired(eventNumber: 3), 12, 3), (.eventFieldBlank(eventNumber: 1), 13, 1),
        (.malformedEvent(eventNumber: 2, offset: 9, reason: "x"), 6, 2), (.invalidEvent(eventNumber: 4, reason: "x"), 6, 4),
        (.malformedJSON(offset: 1, reason: "x"), 6, nil), (.malformedBulk(line: 1, reason: "x"), 6, nil),
    ])
    func mapsDecodeErrorsToSplunkCodes(_ error: DecodeError, _ code: Int, _ eventNumber: Int?) {
        let refusal = IngestRefusal(error)
        #expect(refusal.status(.hec) == 400)
        #expect(refusal.hecCode == code)
        #expect(refusal.invalidEventNumber == eventNumber)
    }

    @Test func bulkItemRefusalsAnswerAsElasticsearchDoes() {
        #expect(BulkItemRefusal.deleteUnsupported.row == (400, "illegal_argument_exception", "delete is not supported by this ingest endpoint"))
        #expect(BulkItemRefusal.updateUnsupported.row == (400, "illegal_argument_exception", "update is not supported by this ingest endpoint"))
        #expect(BulkItemRefusal.sourceNotObject.row == (400, "mapper_parsing_exception", "the source must be a JSON object"))
    }

    @Test func walFailuresAreRetryableUnlessRetryingCannotHelp() {
        #expect(IngestRefusal(WALError.unavailable(.diskFull)).status(.logScale) == 503)
        #expect(IngestRefusal(WALError.unavailable(.diskFull)).isRetryable)
        #expect(IngestRefusal(WALError.unavailable(.diskFull)).message
            == "Server is busy: the write-ahead log cannot accept events (disk full)")
        #expect(IngestRefusal(WALError.unavailable(.readOnly)).message.hasSuffix("(storage is read-only)"))
        #expect(IngestRefusal(WALError.unavailable(.storageError)).message.hasSuffix("(storage error)"))
        #expect(IngestRefusal(WALError.unavailable(.descriptorsExhausted)).message.hasSuffix(
            "(too many repositories are open at once (file descriptors reserved for connections); retry later)"))
        #expect(IngestRefusal(WALError.closed) == .shuttingDown)
        #expect(IngestRefusal(WALError.recordTooLarge(bytes: 9)).status(.hec) == 413)
        #expect(IngestRefusal(WALError.invalidRepositoryName).hecCode == 7)
    }
}
