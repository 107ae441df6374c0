// The syntactic pass: request line and field lines, as a byte-level state machine that can stop at any byte
// (`.needMore`) and continue there on the next call.
extension RequestParser {
    private static func bad(_ why: String) -> HeadParseStatus { .invalid(.badRequest(why)) }

    /// Fills method, version, target, path, query, headers and headLength, continuing from `head.scan`;
    /// `.needMore` when `end` is reached (with `head.scan` saved).
    static func scanHead(
        _ b: UnsafeRawBufferPointer, end: Int, limits: HTTPLimits, into head: inout RequestHead
    ) -> HeadParseStatus {
        var s = head.scan
        var i = s.offset
        while true {
            guard i < end else {
                s.offset = i
                s.suspended = true
                head.scan = s
                return .needMore
            }
            switch s.phase {
            case .leadingLine:
                // Empty lines before the request line are ignored (RFC 9112 §2.2).
                if b[i] == ASCII.cr {
                    s.phase = .leadingLF
                    i += 1
                } else {
                    s.mark = i
                    s.phase = .method
                }

            case .leadingLF:
                guard b[i] == ASCII.lf else { return bad("invalid line ending") }
                i += 1
                s.phase = .leadingLine

            case .method:
                while i < end && b[i] != ASCII.sp {
                    guard ASCII.isTokenChar(b[i]) else { return bad("invalid method") }
                    i += 1
                }
                guard i < end else { continue }
                guard i > s.mark else { return bad("invalid method") }
                head.methodToken = s.mark..<i
                head.method = HTTPMethod(token: s.mark..<i, in: b)
                i += 1
                s.mark = i
                s.phase = .target

            case .target:
                i = VisibleRun.end(in: b, from: i, to: end)
                guard i < end else { continue }
                guard b[i] == ASCII.sp else { return bad("invalid request target") }
                guard i > s.mark else { return bad("invalid request target") }
                head.target = s.mark..<i
                splitTarget(b, &head)
                i += 1
                s.mark = i
                s.phase = .version

            case .version:
                // "HTTP/" DIGIT "." DIGIT CRLF; nearly every request says "HTTP/1.1\r\n", compared whole.
                if i == s.mark, i &+ 10 <= end,
                   b.loadUnaligned(fromByteOffset: i, as: UInt64.self) == Self.http11Word,
                   b.loadUnaligned(fromByteOffset: i &+ 8, as: UInt16.self) == Self.crlfWord {
                    head.version = .http11
                    i &+= 10
                    s.phase = .lineStart
                    continue
                }
                let pattern = ("HTTP/0.0\r\n" as StaticString).utf8Start
                while i < end && i - s.mark < 10 {
                    let c = b[i]
                    let k = i - s.mark
                    switch k {
                    case 5, 7:  // DIGIT; the subtraction wraps on purpose so one compare tests 0...9
                        guard c &- 0x30 < 10 else { return bad("invalid HTTP version") }
                        if k == 5 { s.major = c - 0x30 } else { s.minor = c - 0x30 }
                    case 8, 9:
                        guard c == pattern[k] else { return bad(k == 8 ? "invalid HTTP version" : "invalid line ending") }
                    default:
                        guard c == pattern[k] else { return bad("invalid HTTP version") }
                    }
                    i += 1
                }
                guard i - s.mark == 10 else { continue }
                switch (s.major, s.minor) {
                case (1, 1): head.version = .http11
                case (1, 0): head.version = .http10
                default: return .invalid(.unsupportedVersion)
                }
                s.phase = .lineStart

            case .lineStart:
                let first = b[i]
                if first == ASCII.cr {
                    s.phase = .finalLF
                    i += 1
                } else {
                    if ASCII.isWhitespace(first) { return bad("obsolete line folding") }
                    s.mark = i
                    s.phase = .name
                }

            case .finalLF:
                guard b[i] == ASCII.lf else { return bad("invalid line ending") }
                head.headLength = i + 1
                return .complete

            case .name:
                while i < end {
                    let c = b[i]
                    if ASCII.isTokenChar(c) { i &+= 1; continue }
                    if c == ASCII.colon { break }
                    return bad(ASCII.isWhitespace(c) ? "whitespace in header name" : "invalid header name")
                }
                guard i < end else { continue }
                guard i > s.mark else { return bad("empty header name") }
                s.nameEnd = i
                i += 1
                s.phase = .valueStart

            case .valueStart:
                while i < end && ASCII.isWhitespace(b[i]) { i += 1 }
                guard i < end else { continue }
                s.valueStart = i
                s.valueEnd = i
                s.phase = .value

            case .value:
                // Visible bytes and obs-text are nearly every byte of a value: test them first, and trim
                // trailing whitespace once at the end of the line instead of tracking it per byte: the head
                // scan is a visible part of a 1-event ingest request.
                while true {
                    i = VisibleRun.end(in: b, from: i, to: end)
                    guard i < end else { break }
                    let c = b[i]
                    if c == ASCII.cr { break }
                    guard ASCII.isWhitespace(c) else { return bad("invalid character in header value") }
                    i &+= 1
                }
                guard i < end else { continue }
                var valueEnd = i
                while valueEnd > s.valueStart && ASCII.isWhitespace(b[valueEnd &- 1]) { valueEnd &-= 1 }
                s.valueEnd = valueEnd
                i += 1
                s.phase = .valueLF

            case .valueLF:
                guard b[i] == ASCII.lf else { return bad("invalid line ending") }
                i += 1
                guard head.headers.count < limits.maxHeaderCount else { return .invalid(.headTooLarge) }
                head.headers.append(HeaderField(name: s.mark..<s.nameEnd, value: s.valueStart..<s.valueEnd))
                s.phase = .lineStart
            }
        }
    }

    /// "HTTP/1.1" and CRLF as the words `loadUnaligned` reads from the buffer (same byte order).
    private static var http11Word: UInt64 { UInt64(littleEndian: 0x312E_312F_5054_5448) }
    private static var crlfWord: UInt16 { UInt16(littleEndian: 0x0A0D) }

    /// Sets `path` and `query` from `target` (origin-form, absolute-form or asterisk-form).
    private static func splitTarget(_ b: UnsafeRawBufferPointer, _ head: inout RequestHead) {
        let target = head.target
        var pathStart = target.lowerBound
        if b[pathStart] != ASCII.slash && b[pathStart] != 0x2A {
            // absolute-form: skip "scheme://authority"; the path starts at the next "/".
            var i = pathStart
            var slashes = 0
            while i < target.upperBound {
                let c = b[i]
                if c == ASCII.question { break }
                if c == ASCII.slash {
                    slashes += 1
                    if slashes == 3 { break }
                }
                i += 1
            }
            pathStart = i
        }
        var i = pathStart
        while i < target.upperBound && b[i] != ASCII.question { i += 1 }
        head.path = pathStart..<i
        head.query = i < target.upperBound ? (i + 1)..<target.upperBound : nil
    }
}
