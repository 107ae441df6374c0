// libFuzzer target for the IngestFormats .elasticBulk decoder: `perf/fuzz.sh Bulk <seconds>`.
// Deterministic; the invariants it traps on are listed in IngestFormatsFuzzSupport.swift.
@testable import IngestFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzDecode(.elasticBulk, data, size)
    return 0
}
