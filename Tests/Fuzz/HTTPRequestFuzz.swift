// libFuzzer target for HTTPWire: the request-head parser, the chunked decoder and the body inflater.
// Built by `perf/fuzz.sh HTTPRequest <seconds>` (the HTTPWire target as SwiftPM builds it); deterministic (no randomness).
//
// Besides "no crash, no sanitizer report", it checks invariants and traps when one breaks:
// - a complete head lies inside the input, every range inside the head, and the head alone parses the same,
//   while the head minus its last byte needs more;
// - an invalid verdict stays the same when more bytes follow (it never depended on bytes after the fault);
// - a reused head fed the input in three reads (resuming its scan) reaches the same verdict and head;
// - the chunked decoder gives the same outcome and body whole and split in two, and never passes the limit;
// - the inflater never outputs more than its limit (gzip or deflate by the first byte's low bit, zstd when it is `Z`).
@testable import HTTPWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let small = HTTPLimits(maxHeadBytes: 512, maxBodyBytes: 4096, maxHeaderCount: 8)
    checkHead(input, limits: HTTPLimits())
    checkHead(input, limits: small)
    checkResumed(input, limits: small)
    checkChunked(input, limits: small)
    checkInflater(input)
    return 0
}

private func check(_ condition: Bool, _ message: StaticString) {
    if !condition { fatalError("\(message)") }
}

private func checkHead(_ input: UnsafeRawBufferPointer, limits: HTTPLimits) {
    switch RequestParser.parseHead(input, limits: limits) {
    case .complete(let head):
        let length = head.headLength
        check(length > 0 && length <= input.count && length <= limits.maxHeadBytes, "headLength out of bounds")
        check(head.headers.count <= limits.maxHeaderCount, "too many headers")
        for field in head.headers {
            check(field.name.upperBound <= length && field.value.upperBound <= length, "field outside head")
            check(!field.name.isEmpty, "empty field name")
        }
        check(head.target.upperBound <= length && head.path.upperBound <= head.target.upperBound, "target outside head")
        if case .contentLength(let n) = head.framing { check(n >= 0 && n <= limits.maxBodyBytes, "bad length") }
        let alone = UnsafeRawBufferPointer(rebasing: input[..<length])
        guard case .complete(let again) = RequestParser.parseHead(alone, limits: limits) else {
            fatalError("head alone does not parse")
        }
        check(again.headLength == length && again.framing == head.framing, "head alone parses differently")
        let short = UnsafeRawBufferPointer(rebasing: input[..<(length - 1)])
        if case .complete = RequestParser.parseHead(short, limits: limits) { fatalError("shorter head complete") }
    case .needMore:
        check(input.count < limits.maxHeadBytes, "needMore past the head limit")
    case .invalid(let error):
        // A syntax fault is decided by the bytes up to it; 431 depends on the count, semantics on the whole head.
        guard case .badRequest = error, input.count > 1 else { return }
        let shorter = UnsafeRawBufferPointer(rebasing: input[..<(input.count - 1)])
        if case .invalid(let earlier) = RequestParser.parseHead(shorter, limits: limits) {
            check(earlier == error, "verdict changed with more bytes")
        }
    }
}

/// A reused head fed the input in three reads ends with the same verdict as a whole parse.
private func checkResumed(_ input: UnsafeRawBufferPointer, limits: HTTPLimits) {
    let whole = RequestParser.parseHead(input, limits: limits)
    var head = RequestHead()
    let a = input.isEmpty ? 0 : Int(input[input.count - 1]) % (input.count + 1)
    let b = a + (input.count - a) / 2
    var status = HeadParseStatus.needMore
    for end in [a, b, input.count] where status == .needMore {
        status = RequestParser.parseHead(UnsafeRawBufferPointer(rebasing: input[..<end]), limits: limits, into: &head)
    }
    switch (whole, status) {
    case (.complete(let expected), .complete):
        check(expected.headLength == head.headLength && expected.headers == head.headers, "resumed head differs")
        check(expected.framing == head.framing && expected.keepAlive == head.keepAlive, "resumed semantics differ")
        check(expected.target == head.target && expected.path == head.path && expected.query == head.query, "target")
    case (.needMore, .needMore):
        break
    case (.invalid(let expected), .invalid(let error)):
        check(expected == error, "resumed verdict differs")
    default:
        fatalError("resumed parse disagrees with whole parse")
    }
}

private func checkChunked(_ input: UnsafeRawBufferPointer, limits: HTTPLimits) {
    var whole = ChunkedDecoder(limits: limits)
    var wholeBody: [UInt8] = []
    let wholeProgress = whole.feed(input, into: &wholeBody)
    check(wholeBody.count <= limits.maxBodyBytes, "chunked body over the limit")

    let split = input.isEmpty ? 0 : Int(input[0]) % (input.count + 1)
    var parts = ChunkedDecoder(limits: limits)
    var partsBody: [UInt8] = []
    var progress = parts.feed(UnsafeRawBufferPointer(rebasing: input[..<split]), into: &partsBody)
    if case .needMore(let consumed) = progress {
        check(consumed == split, "needMore did not consume everything")
        switch parts.feed(UnsafeRawBufferPointer(rebasing: input[split...]), into: &partsBody) {
        case .done(let rest): progress = .done(consumed: split + rest)
        case .needMore(let rest): progress = .needMore(consumed: split + rest)
        case .invalid(let error): progress = .invalid(error)
        }
    }
    check(progress == wholeProgress, "chunked outcome depends on the split")
    if case .invalid = progress {} else { check(partsBody == wholeBody, "chunked body depends on the split") }
}

private func checkInflater(_ input: UnsafeRawBufferPointer) {
    guard let first = input.first else { return }
    let coding: ContentCoding = first == UInt8(ascii: "Z") ? .zstd : first & 1 == 0 ? .gzip : .deflate
    let limit = 64 * 1024
    let inflater = BodyInflater()
    var output: [UInt8] = []
    let body = UnsafeRawBufferPointer(rebasing: input[1...])
    let half = body.count / 2
    _ = inflater.inflate(UnsafeRawBufferPointer(rebasing: body[..<half]), coding: coding, limit: limit, into: &output)
    _ = inflater.inflate(UnsafeRawBufferPointer(rebasing: body[half...]), coding: coding, limit: limit, into: &output)
    _ = inflater.finish()
    check(output.count <= limit && inflater.decodedBytes == output.count, "inflater passed its limit")
}
