#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import EventModel
import Foundation
import Logging
import Synchronization
@testable import WAL

/// A fresh temporary data directory, removed on deinit.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/sluice-wal-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func walPath(_ repository: String) -> String {
        path + "/repos/" + RepositoryName.escape(repository)! + "/wal"
    }

    func segments(_ repository: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: walPath(repository))) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
    }

    func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    /// Bytes from `offset` to the file's last non-zero byte: what recovery reports cutting from a
    /// version-2 segment at `offset` (trailing zeros cannot be told from the zero-filled reserve).
    func dataBytes(_ path: String, from offset: Int) -> Int {
        guard let bytes = FileManager.default.contents(atPath: path), offset < bytes.count else { return 0 }
        guard let last = bytes[offset...].lastIndex(where: { $0 != 0 }) else { return 0 }
        return last + 1 - offset
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "wal-tests")
    logger.logLevel = .critical   // the fault tests provoke error lines on purpose
    return logger
}()

/// Collects completions and lets a test wait for them (on a semaphore, never a sleep).
final class Completions: Sendable {
    private let results = Mutex<[Int: Result<WALPosition, WALError>]>([:])
    private let done = DispatchSemaphore(value: 0)

    func callback(_ index: Int, check: (@Sendable () -> Void)? = nil) -> @Sendable (Result<WALPosition, WALError>) -> Void {
        { result in
            check?()
            self.results.withLock { $0[index] = result }
            self.done.signal()
        }
    }

    /// Waits for `count` more completions (each one signals once).
    func wait(_ count: Int) {
        for _ in 0..<count { done.wait() }
    }

    var all: [Int: Result<WALPosition, WALError>] { results.withLock { $0 } }
}

extension RepositoryLog {
    /// Appends and waits for the completion.
    func appendAndWait(_ samples: [SampleEvent]) -> Result<WALPosition, WALError> {
        let completions = Completions()
        append(EventBatch(samples: samples), completion: completions.callback(0))
        completions.wait(1)
        return completions.all[0]!
    }
}

/// Every event of a repository's log with its sequence, read with ``WALReader``, plus reported corruption.
func readAll(_ data: String, _ repository: String, from: UInt64 = 0) throws -> (events: [(UInt64, SampleEvent)], corruption: [String]) {
    var reader = try WALReader(dataDirectory: data, repository: repository, from: from)
    var events: [(UInt64, SampleEvent)] = []
    var corruption: [String] = []
    var batch = EventBatch()
    while true {
        batch.removeAll()
        switch reader.next(into: &batch) {
        case .record(let header, let firstIncluded):
            for (index, sample) in batch.samples.enumerated() where index >= firstIncluded {
                events.append((header.firstSequence + UInt64(index), sample))
            }
        case .corruption(let segment, let offset, let reason):
            corruption.append("\(segment)@\(offset): \(reason)")
        case .endOfLog:
            return (events, corruption)
        }
    }
}
