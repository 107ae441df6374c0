// libFuzzer target for the IngestFormats .hecRaw decoder: `perf/fuzz.sh HECRaw <seconds>`.
// Deterministic; the invariants it traps on are listed in IngestFormatsFuzzSupport.swift.
@testable import IngestFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzDecode(.hecRaw, data, size)
    return 0
}
