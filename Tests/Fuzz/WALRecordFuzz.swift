// Fuzz target for the WAL record decoder: arbitrary bytes must never crash, trap or loop.
// Each input is decoded as given, then again with its checksum repaired (so the fuzzer reaches the LZ4
// and event-layout decoding behind the CRC), and a successfully decoded batch is re-encoded and must
// decode to the same events (its field values lie inside the layout, so version-3 references to
// @rawstring come up whenever the fuzzer finds one). Built by `perf/fuzz.sh WALRecord <seconds>`.
@testable import WALFormat
import EventModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = WALRecordDecoder()
    var batch = EventBatch()
    _ = bytes.withUnsafeBytes { decoder.decode($0, into: &batch) }

    guard size >= WALFormat.recordHeaderSize else { return 0 }
    // Make the length field match the input and repair the checksum.
    bytes.withUnsafeMutableBytes { record in
        record.storeLE(UInt32(size), at: 0)
        let payload = UnsafeRawBufferPointer(rebasing: record[WALFormat.recordHeaderSize...])
        let crc = WALRecordHeader.checksum(payloadCRC: WALRecordHeader.payloadChecksum(payload), header: UnsafeRawBufferPointer(record))
        record.storeLE(crc, at: 4)
    }
    batch.removeAll()
    let result = bytes.withUnsafeBytes { decoder.decode($0, into: &batch) }
    guard case .complete = result else { return 0 }
    precondition(!batch.isEmpty)
    // Both layouts: with references (version 3) and all literal (version 2), by the input's length.
    var encoder = WALRecordEncoder(references: size % 2 == 0)
    guard let record = try? encoder.encode(batch) else { return 0 }
    var again = EventBatch()
    let second = record.bytes.withUnsafeBytes { decoder.decode($0, into: &again) }
    guard case .complete = second, again.count == batch.count else { preconditionFailure("re-encoded record does not decode") }
    for index in 0..<batch.count {
        let lhs = batch.events[index], rhs = again.events[index]
        precondition(lhs.timestampMillis == rhs.timestampMillis && lhs.timestampNanos == rhs.timestampNanos
            && lhs.ingestMillis == rhs.ingestMillis && batch.bytes(lhs.rawstring) == again.bytes(rhs.rawstring)
            && batch.bytes(lhs.timezone) == again.bytes(rhs.timezone)
            && batch.fields(of: index).map { batch.bytes($0.name) } == again.fields(of: index).map { again.bytes($0.name) }
            && batch.fields(of: index).map { batch.bytes($0.value) } == again.fields(of: index).map { again.bytes($0.value) })
    }
    return 0
}
