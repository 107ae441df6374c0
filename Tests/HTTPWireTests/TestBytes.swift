@testable import HTTPWire

/// Test helpers over byte arrays.
extension Array where Element == UInt8 {
    init(_ text: String) { self = Array(text.utf8) }

    func string(_ range: Range<Int>) -> String { String(decoding: self[range], as: UTF8.self) }
}

func parse(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> HeadParseResult {
    bytes.withUnsafeBytes { RequestParser.parseHead($0, limits: limits) }
}

func parseStatus(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> HeadParseStatus {
    switch parse(bytes, limits: limits) {
    case .complete: .complete
    case .needMore: .needMore
    case .invalid(let error): .invalid(error)
    }
}

/// Deterministic, mildly compressible test payload (a tiny LCG, fixed seed).
func testPayload(count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    var out: [UInt8] = []
    out.reserveCapacity(count)
    let words: [[UInt8]] = ["level=info ", "msg=\"request done\" ", "status=200 ", "path=/api/v1/ingest ", "\n"].map {
        Array($0.utf8)
    }
    while out.count < count {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        if state >> 60 < 4 {
            out.append(UInt8(truncatingIfNeeded: state >> 33))
        } else {
            out.append(contentsOf: words[Int(state >> 33) % words.count])
        }
    }
    return Array(out.prefix(count))
}

/// Parses `bytes` with one reused head, offering the prefixes ending at `ends` and then the whole buffer, as a
/// connection does while a head trickles in; returns every verdict and the head.
func parseResuming(
    _ bytes: [UInt8], ends: some Sequence<Int>, limits: HTTPLimits = HTTPLimits()
) -> ([HeadParseStatus], RequestHead) {
    var head = RequestHead()
    var verdicts: [HeadParseStatus] = []
    for end in Array(ends) + [bytes.count] {
        // A fresh array each time: the bytes may move between reads.
        let prefix = Array(bytes[..<end])
        verdicts.append(prefix.withUnsafeBytes { RequestParser.parseHead($0, limits: limits, into: &head) })
    }
    return (verdicts, head)
}
