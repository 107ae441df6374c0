// Fuzz target for reading a whole segment file: the input is the file's contents behind a valid segment
// header (so the fuzzer works on records, not the magic). Scanning must never crash or loop: every step
// moves forward or stops, every record returned passed its checksum and is decoded without trapping.
// Built by `perf/fuzz.sh WALSegment <seconds>`.
@testable import WAL
import EventModel
import WALFormat

/// An in-memory, read-only segment file.
final class MemorySegmentFile: SegmentFile {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SegmentIOError) -> Int {
        throw SegmentIOError(call: "pwrite", path: "memory", code: 30)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(SegmentIOError) -> Int {
        guard offset < bytes.count else { return 0 }
        let count = min(buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) }
        return count
    }

    func sync() throws(SegmentIOError) {}
    func truncate(to length: Int) throws(SegmentIOError) {}
    func size() throws(SegmentIOError) -> Int { bytes.count }
    func close() {}
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = MemorySegmentFile(SegmentHeader.encode(firstSequence: 7) + Array(UnsafeBufferPointer(start: data, count: size)))
    guard case .complete(let header)? = try? SegmentScanner.readHeader(file), header.firstSequence == 7 else {
        preconditionFailure("a freshly encoded segment header must parse")
    }
    var scanner = SegmentScanner(file: file, fileSize: file.bytes.count, version: header.version)
    var decoder = WALRecordDecoder()
    var batch = EventBatch()
    var lastOffset = -1
    while let step = try? scanner.next() {
        guard case .record(let record, let offset) = step else {
            if case .reserve(let offset) = step, let end = try? scanner.dataEnd(from: offset) {
                precondition(end >= offset && end <= file.bytes.count)
            }
            break
        }
        precondition(offset > lastOffset && offset + record.recordLength <= file.bytes.count)
        lastOffset = offset
        batch.removeAll()
        _ = scanner.withRecord { bytes in
            decoder.decodePayload(UnsafeRawBufferPointer(rebasing: bytes[WALFormat.recordHeaderSize...]), header: record, into: &batch)
        }
    }
    return 0
}
