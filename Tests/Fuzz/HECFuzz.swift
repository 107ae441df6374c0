// libFuzzer target for the IngestFormats .hec decoder: `perf/fuzz.sh HEC <seconds>`.
// Deterministic; the invariants it traps on are listed in IngestFormatsFuzzSupport.swift.
@testable import IngestFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzDecode(.hec, data, size)
    return 0
}
