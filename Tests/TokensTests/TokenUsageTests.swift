import Foundation
import Testing
@testable import Tokens

/// Last uses: recorded per generation, merged by token name across reloads, written to a 0600 file only
/// when they moved, and read back after a restart.
@Suite struct TokenUsageTests {
    @Test func ledgerMergesGenerationsAndWritesOnlyWhenSomethingMoved() throws {
        let directory = TemporaryDirectory()
        let ledger = TokenUsageLedger(dataDirectory: directory.path)
        let first = [IngestToken(name: "a", repository: "web"), IngestToken(name: "b", repository: "web")]
        let usage1 = TokenUsage(tokenCount: 2)
        ledger.adopt(usage1, table: IngestTokenTable(first))
        try ledger.flush()
        #expect(!FileManager.default.fileExists(atPath: ledger.path), "nothing used, nothing written")

        Principal(scope: .init(kind: .ingestToken(repository: "web"), canIngest: true, parser: nil, isRoot: false, usage: usage1),
                  metricLabel: "web/b", usageSlot: 2).noteUse(atSeconds: 1_800_000_000)
        // A reload reorders the tokens: the new generation's slots map to other names.
        let usage2 = TokenUsage(tokenCount: 2)
        ledger.adopt(usage2, table: IngestTokenTable([first[1], first[0]]))
        Principal(scope: .init(kind: .ingestToken(repository: "web"), canIngest: true, parser: nil, isRoot: false, usage: usage2),
                  metricLabel: "web/a", usageSlot: 2).noteUse(atSeconds: 1_800_000_100)
        #expect(ledger.lastUsed() == [TokenKey(repository: "web", name: "b"): 1_800_000_000,
                                      TokenKey(repository: "web", name: "a"): 1_800_000_100])

        try ledger.flush()
        var info = stat()
        #expect(stat(ledger.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let written = info.st_mtim
        usleep(20_000)
        try ledger.flush()
        #expect(stat(ledger.path, &info) == 0 && info.st_mtim.tv_nsec == written.tv_nsec, "unchanged: not rewritten")

        // A restart reads the file back.
        let restarted = TokenUsageLedger(dataDirectory: directory.path)
        #expect(restarted.lastUsed()[TokenKey(repository: "web", name: "a")] == 1_800_000_100)
        #expect(try TokenUsageLedger.read(path: ledger.path).count == 2)
    }

    @Test func anUnreadableFileIsReportedAndStartsEmpty() {
        let directory = TemporaryDirectory()
        _ = directory.write("token-usage.json", "{ broken")
        var problems = 0
        let ledger = TokenUsageLedger(dataDirectory: directory.path) { _ in problems += 1 }
        #expect(problems == 1)
        #expect(ledger.lastUsed().isEmpty)
    }

    @Test func flusherWritesOnStop() throws {
        let directory = TemporaryDirectory()
        let ledger = TokenUsageLedger(dataDirectory: directory.path)
        let usage = TokenUsage(tokenCount: 1)
        ledger.adopt(usage, table: IngestTokenTable([IngestToken(name: "a", repository: "web")]))
        let flusher = TokenUsageFlusher(ledger: ledger, intervalSeconds: 3600) { _ in }
        try flusher.start()
        Principal(scope: .init(kind: .ingestToken(repository: "web"), canIngest: true, parser: nil, isRoot: false, usage: usage),
                  metricLabel: "web/a", usageSlot: 1).noteUse(atSeconds: 1_800_000_000)
        flusher.stop()
        #expect(try TokenUsageLedger.read(path: ledger.path) == [TokenKey(repository: "web", name: "a"): 1_800_000_000])
    }
}
