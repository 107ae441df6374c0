import Dispatch
import EventModel
import Foundation
import Synchronization
import Testing
@testable import WAL

/// A follower reading while writers append: every event arrives once, in sequence order, through rotations
/// and the zero-filled reserve, and nothing is reported damaged.
struct WALFollowConcurrencyTests {
    /// (fsync always?, segment bytes, reserve bytes)
    @Test(arguments: [(true, 1 << 20, 0), (true, 256 << 10, 64 << 10), (true, 64 << 20, 1 << 20), (false, 128 << 10, 0)])
    func followerSeesEveryEventWhileWritersAppend(_ always: Bool, _ segmentBytes: Int, _ reserveBytes: Int) throws {
        let dir = TemporaryDirectory()
        var options = WALOptions(dataDirectory: dir.path)
        options.fsync = always ? .always : .none
        options.segmentBytes = segmentBytes
        options.reserveBytes = reserveBytes
        let store = try WALStore(options: options, logger: testLogger)
        let log = try store.log(for: "load")
        let writers = 4, requests = 300, eventsPerRequest = 10
        let total = writers * requests * eventsPerRequest
        let group = DispatchGroup()
        for writer in 0..<writers {
            group.enter()
            Thread.detachNewThread {
                for request in 0..<requests {
                    _ = log.appendAndWait(logLines("w\(writer)r\(request)", count: eventsPerRequest))
                }
                group.leave()
            }
        }
        var reader = try WALReader(dataDirectory: dir.path, repository: "load")
        var batch = EventBatch()
        var next: UInt64 = 0
        var corruption: [String] = []
        let deadline = Date().addingTimeInterval(60)
        while next < UInt64(total), Date() < deadline {
            batch.removeAll()
            switch reader.next(into: &batch) {
            case .record(let header, let firstIncluded):
                #expect(header.firstSequence + UInt64(firstIncluded) == next)
                next = header.nextSequence
            case .corruption(let segment, let offset, let reason):
                corruption.append("\(segment)@\(offset): \(reason)")
            case .endOfLog:
                usleep(200)
            }
        }
        group.wait()
        store.shutdown()
        #expect(corruption.isEmpty, "\(corruption)")
        #expect(next == UInt64(total))
    }
}
