// libFuzzer target for the IngestFormats .unstructured decoder: `perf/fuzz.sh Unstructured <seconds>`.
// Deterministic; the invariants it traps on are listed in IngestFormatsFuzzSupport.swift.
@testable import IngestFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzDecode(.unstructured, data, size)
    return 0
}
