// Fuzz target for the token snapshot codec (Sources/Tokens/SnapshotCodec*.swift on JSONStream's reader through
// JSONPathReader.swift): any input is either refused with a TokenError naming the file, a JSON path and a
// reason, or decodes to a snapshot that, written back and read again, is the same snapshot and is written the
// same way; each entry also round-trips alone. Deterministic. Built by `perf/fuzz.sh Snapshot <seconds>` (the whole
// Tokens target and its dependencies, as SwiftPM builds them).
import Parsers
@testable import Tokens

func decoded(_ bytes: [UInt8]) -> Snapshot? {
    do {
        return try SnapshotCodec.decode(bytes, file: "fuzz")
    } catch {
        guard case .invalidSnapshot(file: "fuzz", path: let path, reason: let reason) = error, path.hasPrefix("$"), !reason.isEmpty else {
            fatalError("refusal without file, path or reason: \(error)")
        }
        return nil
    }
}

func roundTrips<T: Equatable>(_ value: T, _ encode: (T) -> [UInt8], _ decode: ([UInt8]) throws(TokenError) -> T) {
    let bytes = encode(value)
    do {
        let again = try decode(bytes)
        precondition(again == value, "entry changed across write and read: \(String(decoding: bytes, as: UTF8.self))")
    } catch {
        fatalError("written entry was refused: \(error): \(String(decoding: bytes, as: UTF8.self))")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let snapshot = decoded(Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    let written = SnapshotCodec.encode(snapshot)
    guard let again = decoded(written) else { fatalError("written snapshot was refused: \(String(decoding: written, as: UTF8.self))") }
    precondition(again == snapshot, "snapshot changed across write and read")
    precondition(SnapshotCodec.encode(again) == written, "snapshot written differently the second time")
    for entry in snapshot.organizations { roundTrips(entry, SnapshotCodec.encode) { (b) throws(TokenError) in try SnapshotCodec.decode(Organization.self, from: b, file: "e") } }
    for entry in snapshot.repositories { roundTrips(entry, SnapshotCodec.encode) { (b) throws(TokenError) in try SnapshotCodec.decode(Repository.self, from: b, file: "e") } }
    for entry in snapshot.users { roundTrips(entry, SnapshotCodec.encode) { (b) throws(TokenError) in try SnapshotCodec.decode(User.self, from: b, file: "e") } }
    for entry in snapshot.apiTokens { roundTrips(entry, SnapshotCodec.encode) { (b) throws(TokenError) in try SnapshotCodec.decode(APIToken.self, from: b, file: "e") } }
    for entry in snapshot.ingestTokens { roundTrips(entry, SnapshotCodec.encode) { (b) throws(TokenError) in try SnapshotCodec.decode(IngestToken.self, from: b, file: "e") } }
    for entry in snapshot.parsers { roundTrips(entry, SnapshotCodec.encode) { (b) throws(TokenError) in try SnapshotCodec.decode(CustomParserDefinition.self, from: b, file: "e") } }
    for entry in snapshot.forwarders { roundTrips(entry, SnapshotCodec.encode) { (b) throws(TokenError) in try SnapshotCodec.decode(Forwarder.self, from: b, file: "e") } }
    return 0
}
