import Testing
import IngestFormats
@testable import Gateway

/// Bulk answers are as small as their clients read them, and `filter_path` keeps only what is asked.
@Suite struct BulkAnswerFilterTests {
    static let refused = BulkItemOutcome.refused(action: .delete, .deleteUnsupported)

    static func body(_ outcomes: [BulkItemOutcome], query: String? = nil) -> String {
        let filter = query.flatMap { query in Array(query.utf8).withUnsafeBytes { BulkAnswerFilter(query: $0) } }
        var body: [UInt8] = []
        Answers.bulkBody(outcomes, tookMillis: 7, filter: filter, into: &body)
        return String(decoding: body, as: UTF8.self)
    }

    @Test func createdItemsCarryOnlyTheirStatusWhenNothingFailed() {
        #expect(Self.body([.created(action: .index), .created(action: .create)])
            == #"{"took":7,"errors":false,"items":[{"index":{"status":201}},{"create":{"status":201}}]}"#)
        #expect(Self.body([.created(action: .create), Self.refused])
            == #"{"took":7,"errors":true,"items":[{"create":{"status":201,"result":"created"}},{"delete":{"status":400,"error":{"type":"illegal_argument_exception","reason":"delete is not supported by this ingest endpoint"}}}]}"#)
    }

    /// Fluent Bit's `es` output reads the answer through a 512 KiB buffer (headers included).
    @Test func twentyThousandItemsFitInHalfAMebibyte() {
        let body = Self.body(Array(repeating: .created(action: .create), count: 20_000))
        #expect(body.utf8.count < 512 * 1024 - 512)
    }

    @Test(arguments: [
        ("filter_path=errors", false, #"{"errors":false}"#),
        ("filter_path=items.*.error", false, #"{}"#),
        ("filter_path=items.*.error", true, #"{"items":[{"delete":{"error":{"type":"illegal_argument_exception","reason":"delete is not supported by this ingest endpoint"}}}]}"#),
        ("pretty=false&filter_path=items.%2A.error%2Cerrors", true,
         #"{"errors":true,"items":[{"delete":{"error":{"type":"illegal_argument_exception","reason":"delete is not supported by this ingest endpoint"}}}]}"#),
        ("filter_path=took,items.*.status", false, #"{"took":7,"items":[{"index":{"status":201}}]}"#),
        ("filter_path=-took", false, #"{"errors":false,"items":[{"index":{"status":201}}]}"#),
        ("filter_path=items.**.reason", true, #"{"items":[{"delete":{"error":{"reason":"delete is not supported by this ingest endpoint"}}}]}"#),
        ("filter_path=it*.index", true, #"{"items":[{"index":{"status":201,"result":"created"}}]}"#),
        ("filter_path=items,-items.*.error", true, #"{"items":[{"index":{"status":201,"result":"created"}},{"delete":{"status":400}}]}"#),
        ("filter_path=", false, #"{"took":7,"errors":false,"items":[{"index":{"status":201}}]}"#),
    ])
    func filterPathKeepsWhatIsAskedFor(_ query: String, _ withRefusal: Bool, _ expected: String) {
        let outcomes: [BulkItemOutcome] = withRefusal ? [.created(action: .index), Self.refused] : [.created(action: .index)]
        #expect(Self.body(outcomes, query: query) == expected)
    }

    /// Fluent Bit reads only `errors`: without a `filter_path` of its own, its answers keep `took`, `errors`
    /// and the failed items; other clients get every item; a `filter_path` always wins.
    @Test func fluentBitGetsErrorsAndFailuresOnly() {
        func filter(_ query: String?, _ agent: String?) -> BulkAnswerFilter? {
            let q = query.map { Array($0.utf8) }, a = agent.map { Array($0.utf8) }
            return (q ?? []).withUnsafeBytes { qb in (a ?? []).withUnsafeBytes { ab in
                BulkAnswerFilter.forRequest(query: q == nil ? nil : qb, userAgent: a == nil ? nil : ab)
            } }
        }
        #expect(filter(nil, "Fluent-Bit") == .errorsAndFailures)
        #expect(filter(nil, "elasticsearch-py/8.15.1 (Python/3.12.3; elastic-transport/8.15.0)") == nil)
        #expect(filter(nil, nil) == nil && filter(nil, "Fluent") == nil)
        #expect(filter("filter_path=items", "Fluent-Bit") == BulkAnswerFilter(includes: [["items"]]))
        var body: [UInt8] = []
        Answers.bulkBody(Array(repeating: .created(action: .create), count: 20_000), tookMillis: 3, filter: .errorsAndFailures, into: &body)
        #expect(String(decoding: body, as: UTF8.self) == #"{"took":3,"errors":false}"#)
        body.removeAll()
        Answers.bulkBody([.created(action: .create), Self.refused], tookMillis: 3, filter: .errorsAndFailures, into: &body)
        #expect(String(decoding: body, as: UTF8.self)
            == #"{"took":3,"errors":true,"items":[{"delete":{"error":{"type":"illegal_argument_exception","reason":"delete is not supported by this ingest endpoint"}}}]}"#)
    }
}
