import EventModel
import Testing
@testable import WAL

struct AppendBatchTests {
    /// Records gathered for two repositories, interleaved, reach each log in the order they were added;
    /// nothing is written before `submit`, and every completion runs exactly once.
    @Test func submitsEachRepositorysRecordsInOrder() throws {
        let dir = TemporaryDirectory()
        let store = try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger)
        let web = try store.log(for: "web"), api = try store.log(for: "api")
        let completions = Completions()
        var batch = AppendBatch()
        var expected: [String: [SampleEvent]] = [:]
        for round in 0..<6 {
            let log = round % 3 == 2 ? api : web
            let samples = logLines("r\(round)", count: 1 + round)
            expected[log.repository, default: []] += samples
            batch.add(EventBatch(samples: samples), to: log, completion: completions.callback(round))
        }
        batch.add(EventBatch(), to: web, completion: completions.callback(99))
        completions.wait(1)
        #expect(completions.all.keys.sorted() == [99], "only the empty batch completes before submit")
        #expect(!batch.isEmpty)
        batch.submit()
        #expect(batch.isEmpty)
        completions.wait(6)
        let results = completions.all
        #expect(results.count == 7)
        #expect(results.values.allSatisfy { if case .success = $0 { true } else { false } })
        store.shutdown()
        for repository in ["web", "api"] {
            let read = try readAll(dir.path, repository)
            #expect(read.corruption.isEmpty)
            #expect(read.events.map(\.1) == expected[repository])
        }
    }

    @Test func recordsForAClosedLogFail() throws {
        let dir = TemporaryDirectory()
        let store = try WALStore(options: WALOptions(dataDirectory: dir.path), logger: testLogger)
        let log = try store.log(for: "web")
        store.shutdown()
        let completions = Completions()
        var batch = AppendBatch()
        batch.add(EventBatch(samples: logLines("late", count: 2)), to: log, completion: completions.callback(0))
        batch.add(EventBatch(samples: logLines("later", count: 1)), to: log, completion: completions.callback(1))
        batch.submit()
        completions.wait(2)
        #expect(completions.all[0] == .failure(.closed))
        #expect(completions.all[1] == .failure(.closed))
    }
}
