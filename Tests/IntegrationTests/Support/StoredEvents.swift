import EventModel
import WAL

/// Reads a repository's write-ahead log in-process (the `WAL` module's reader), each event as its raw
/// string plus its fields, for tests that check what was stored without depending on a CLI command.
enum StoredEvents {
    struct Event {
        var rawstring: String
        var fields: [String: String]
    }

    static func read(dataDirectory: String, repository: String) throws -> [Event] {
        var reader = try WALReader(dataDirectory: dataDirectory, repository: repository)
        var batch = EventBatch()
        var events: [Event] = []
        while true {
            batch.removeAll()
            switch reader.next(into: &batch) {
            case .endOfLog:
                return events
            case let .corruption(segment, offset, reason):
                throw TestFailure("WAL of \(repository) damaged at \(segment):\(offset): \(reason)")
            case let .record(_, firstIncluded):
                for index in firstIncluded..<batch.count {
                    var fields: [String: String] = [:]
                    for field in batch.fields(of: index) {
                        fields[String(decoding: batch.bytes(field.name), as: UTF8.self)] = String(decoding: batch.bytes(field.value), as: UTF8.self)
                    }
                    events.append(Event(rawstring: String(decoding: batch.bytes(batch.events[index].rawstring), as: UTF8.self), fields: fields))
                }
            }
        }
    }
}
