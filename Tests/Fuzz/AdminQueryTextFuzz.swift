// Fuzzes `AdminLimits.nestingProblem(in:)`, the scan that runs on hostile query text before the
// recursive GraphQL parser: it must never trap, and on text without strings or comments it must agree
// with a plain bracket count. Deterministic: no randomness, no state between runs.
@testable import Admin

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for limit in [0, 1, 4, 64] {
        let limits = AdminLimits(maxNesting: limit)
        let problem = limits.nestingProblem(in: text)
        if !text.utf8.contains(UInt8(ascii: "\"")) && !text.utf8.contains(UInt8(ascii: "#")) {
            var depth = 0
            var deepest = 0
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "("), UInt8(ascii: "["): depth += 1; deepest = max(deepest, depth)
                case UInt8(ascii: "}"), UInt8(ascii: ")"), UInt8(ascii: "]"): depth = max(0, depth - 1)
                default: break
                }
            }
            precondition((problem != nil) == (deepest > limit), "bracket count disagrees at limit \(limit)")
        }
    }
    return 0
}
