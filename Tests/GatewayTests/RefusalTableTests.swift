import Admin
import Foundation
import Logging
import Testing
import IngestFormats
import Tokens
@testable import Gateway

/// The refusal tables of the docs are the gateway's (``RefusalReason/row``): each is parsed from its markdown
/// and compared with the code, so neither can drift from the other.
@Suite struct RefusalTableTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs")

    static func document(_ name: String) throws -> String {
        try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func ingestDocsListEveryRefusalAsTheGatewayAnswersIt() throws {
        let rows = try #require(MarkdownTable(in: try Self.document("ingest.md"),
                                              header: ["label", "status", "HEC status", "HEC code", "HEC text"])).rows
        let documented = rows.map { $0.joined(separator: " | ") }
        let coded = RefusalReason.allCases.map { reason in
            let row = reason.row
            return [row.label, "\(row.status)", "\(row.hecStatus)", "\(row.hecCode)", row.hecText ?? "the message"]
                .joined(separator: " | ")
        }
        #expect(documented == coded)
        #expect(Set(RefusalReason.allCases.map(\.row.label)).count == RefusalReason.allCases.count)
    }

    @Test func ingestDocsListEveryBulkItemRefusal() throws {
        let rows = try #require(MarkdownTable(in: try Self.document("ingest.md"),
                                              header: ["bulk item", "status", "error.type", "error.reason"])).rows
        #expect(rows.map { [$0[1], $0[2], $0[3]] } == BulkItemRefusal.allCases.map { ["\($0.row.status)", $0.row.type, $0.row.reason] })
    }

    @Test func limitsDocsAnswerAsTheTableSays() throws {
        let rows = try #require(MarkdownTable(in: try Self.document("limits.md"),
                                              header: ["cause", "status", "Retry-After", "HEC body", "sluice_ingest_rejects_total{reason=…}"])).rows
        #expect(rows.count == 3)
        for row in rows {
            let reason = try #require(RefusalReason.allCases.first { $0.row.label == row[4] }, "\(row[4])")
            #expect(row[1] == "\(reason.row.status)")
            #expect(row[3] == #"{"text":"\#(reason.row.hecText ?? "")","code":\#(reason.row.hecCode)}"#)
        }
    }

    /// The scope table of docs/tokens.md ("Who may ingest where") answers as the gateway answers the scope
    /// check's refusals.
    @Test func tokensDocsScopeTableAnswersAsTheGatewayDoes() throws {
        let rows = try #require(MarkdownTable(in: try Self.document("tokens.md"), header: [
            "credential", "target repository", "regular repositories of other organizations", "system / sandbox repositories",
        ])).rows
        #expect(rows.count == 5)
        let incorrectIndex = IngestRefusal(ScopeRefusal.noRepositoryNamed, event: 0)
        let pattern = try NSRegularExpression(pattern: #"([0-9]{3}), HEC code ([0-9]+)"#)
        var quoted = 0
        for cell in rows.flatMap({ $0 }) {
            for match in pattern.matches(in: cell, range: NSRange(cell.startIndex..., in: cell)) {
                let part = { (index: Int) in String(cell[Range(match.range(at: index), in: cell)!]) }
                #expect(part(1) == "\(incorrectIndex.status(.logScale))" && part(2) == "\(incorrectIndex.hecCode)", "\(cell)")
                quoted += 1
            }
        }
        #expect(quoted == 4)
        for scope in [ScopeRefusal.personalToken, .noIngestPermission] {
            #expect(rows[3][1] == "\(IngestRefusal(scope).status(.logScale))")
            #expect(IngestRefusal(scope).status(.hec) == IngestRefusal(scope).status(.logScale))
        }
        let unknown = IngestRefusal(ScopeRefusal.unknownCredential)
        #expect(rows[4][1] == "\(unknown.status(.logScale)) (HEC: \(unknown.status(.hec)), code \(unknown.hecCode))")
    }

    /// The admin API answers a credential it refuses as docs/admin.md's table says.
    @Test func adminDocsAnswerAsTheAdminAPIDoes() throws {
        let rows = try #require(MarkdownTable(in: try Self.document("admin.md"), header: ["case", "HTTP", "body"])).rows
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-refusals-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try TokenStore.bootstrap(dataDirectory: directory)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let api = AdminAPI(tokens: try TokenStore(dataDirectory: directory, logger: logger), audit: NoAudit(), logger: logger)
        let ingestToken = Principal(kind: .ingestToken(repository: "web"), canIngest: true, metricLabel: "web/default")
        for (row, principal) in [(rows[0], nil as Principal?), (rows[1], ingestToken)] {
            let refusal = try #require(api.refusal(principal: principal, bodyBytes: 0))
            let body = String(decoding: refusal.body, as: UTF8.self)
            #expect(row[1] == "\(refusal.status)")
            // The cell is the body's GraphQL error message, or a body quoting it.
            let message = row[2].split(separator: "\"").drop { $0 != "message" }.dropFirst(2).first.map(String.init) ?? row[2]
            #expect(body.contains(#""message":"\#(message)""#), "\(row[2]) vs \(body)")
        }
    }

    struct NoAudit: AuditSink {
        func record(_ event: AuditEvent) async {}
    }

    /// Every HEC refusal the docs quote (`400 {"text":…,"code":…}`) is a row of the table.
    @Test(arguments: ["hec-acks.md", "limits.md", "tokens.md", "connections.md", "wal.md"])
    func quotedHECAnswersAreRows(_ name: String) throws {
        let text = try Self.document(name)
        let pattern = try NSRegularExpression(pattern: #"([0-9]{3}) `?\{"text":"([^"]*)","code":([0-9]+)\}"#)
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let part = { (index: Int) in String(text[Range(match.range(at: index), in: text)!]) }
            let (status, hecText, code) = (part(1), part(2), part(3))
            // The health endpoint's answer is not a refusal of an ingest request.
            if code == "18" { continue }
            #expect(RefusalReason.allCases.contains { reason in
                "\(reason.row.hecStatus)" == status && reason.row.hecText == hecText && "\(reason.row.hecCode)" == code
            }, "\(name): \(status) \(hecText) \(code)")
        }
    }

    /// The parser below reads what the tests compare: a broken table must not pass as an empty one.
    @Test func markdownTablesAreRead() {
        let text = "intro\n\n| a | b |\n| --- | --- |\n| `x` | 1 |\n| y | `2` |\n\nafter\n| a | c |\n"
        #expect(MarkdownTable(in: text, header: ["a", "b"])?.rows == [["x", "1"], ["y", "2"]])
        #expect(MarkdownTable(in: text, header: ["a", "c"])?.rows == [])
        #expect(MarkdownTable(in: text, header: ["b"]) == nil)
    }
}

/// A GitHub-flavoured markdown table found by its header row: its body rows' cells, trimmed, with the
/// backticks of code spans removed.
struct MarkdownTable: Equatable {
    var rows: [[String]] = []

    init?(in text: String, header: [String]) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { Self.cells($0) == header }) else { return nil }
        for line in lines[(start + 1)...] {
            guard line.hasPrefix("|") else { break }
            let cells = Self.cells(line)
            if cells.allSatisfy({ $0.allSatisfy { $0 == "-" || $0 == ":" } }) { continue }
            rows.append(cells)
        }
    }

    static func cells(_ line: String) -> [String] {
        guard line.hasPrefix("|") else { return [] }
        return line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast().map { cell in
            var value = cell.trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("`") && value.hasSuffix("`") && value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
    }
}
