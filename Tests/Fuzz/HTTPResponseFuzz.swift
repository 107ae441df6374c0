// libFuzzer target for HTTPWire's client side: the response-head parser used by `sluice bench`.
// Built by `perf/fuzz.sh HTTPResponse <seconds>` (the HTTPWire target as SwiftPM builds it); deterministic (no randomness).
//
// Besides "no crash, no sanitizer report", it checks invariants and traps when one breaks:
// - a complete head lies inside the input, its status has three digits and a Content-Length is never negative;
// - the head alone parses the same, and the head minus its last byte needs more;
// - a verdict (complete or invalid) stays the same when more bytes follow.
@testable import HTTPWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    checkResponse(input, limits: HTTPLimits())
    checkResponse(input, limits: HTTPLimits(maxHeadBytes: 256, maxBodyBytes: 4096, maxHeaderCount: 8))
    return 0
}

private func check(_ condition: Bool, _ message: StaticString) {
    if !condition { fatalError("\(message)") }
}

private func checkResponse(_ input: UnsafeRawBufferPointer, limits: HTTPLimits) {
    let verdict = ResponseParser.parseHead(input, limits: limits)
    var extended = Array(input)
    extended.append(contentsOf: [0x48, 0x0D, 0x0A, 0x0D, 0x0A])
    let longer = extended.withUnsafeBytes { ResponseParser.parseHead($0, limits: limits) }
    switch verdict {
    case .complete(let head):
        check(head.headLength > 0 && head.headLength <= input.count && head.headLength <= limits.maxHeadBytes, "headLength out of bounds")
        check((100...999).contains(head.status), "status out of range")
        if case .contentLength(let n) = head.framing { check(n >= 0, "negative length") }
        let alone = UnsafeRawBufferPointer(rebasing: input[..<head.headLength])
        check(ResponseParser.parseHead(alone, limits: limits) == verdict, "head alone parses differently")
        let short = UnsafeRawBufferPointer(rebasing: input[..<(head.headLength - 1)])
        check(ResponseParser.parseHead(short, limits: limits) == .needMore, "head minus a byte is not needMore")
        check(longer == verdict, "complete verdict changed with more bytes")
    case .invalid:
        check(longer == verdict, "invalid verdict changed with more bytes")
    case .needMore:
        check(input.count < limits.maxHeadBytes, "needMore past the head limit")
    }
}
