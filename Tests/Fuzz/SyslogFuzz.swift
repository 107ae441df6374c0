// libFuzzer target: the `syslog` built-ins on arbitrary bytes must never crash, hang or break an invariant
// (see `ParsersFuzz.check`). Run with `perf/fuzz.sh Syslog <seconds>`.
@testable import Parsers
private let registry = ParserRegistry.builtins

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ParsersFuzz.check(registry.pipeline(named: "syslog")!, data, size)
    ParsersFuzz.check(registry.pipeline(named: "syslog-utc")!, data, size)
    return 0
}
