// libFuzzer target for the IngestFormats .json decoder: `perf/fuzz.sh JSONIngest <seconds>`.
// Deterministic; the invariants it traps on are listed in IngestFormatsFuzzSupport.swift.
@testable import IngestFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzDecode(.json, data, size)
    return 0
}
