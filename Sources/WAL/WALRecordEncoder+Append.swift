import EventModel
import WALFormat

extension WALRecordEncoder {
    /// ``encode(_:)`` with its failure as the WAL's error, for the append paths.
    mutating func encodeRecord(_ batch: EventBatch) throws(WALError) -> WALRecord {
        do throws(WALRecordTooLarge) {
            return try encode(batch)
        } catch {
            throw .recordTooLarge(bytes: error.bytes)
        }
    }
}
