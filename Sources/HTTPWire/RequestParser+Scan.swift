// The syntactic pass: request line and field lines, byte by byte, up to `end`.
extension RequestParser {
    private static func bad(_ why: String) -> HeadParseStatus { .invalid(.badRequest(why)) }

    /// Fills method, version, target, path, query, headers and headLength; `.needMore` when `end` is reached.
    static func scanHead(
        _ b: UnsafeRawBufferPointer, end: Int, limits: HTTPLimits, into head: inout RequestHead
    ) -> HeadParseStatus {
        var i = 0

        // Empty lines before the request line are ignored (RFC 9112 §2.2).
        while i < end && b[i] == ASCII.cr {
            guard i &+ 1 < end else { return .needMore }
            guard b[i &+ 1] == ASCII.lf else { return bad("invalid line ending") }
            i &+= 2
        }

        // method SP
        let methodStart = i
        while true {
            guard i < end else { return .needMore }
            let c = b[i]
            if c == ASCII.sp { break }
            guard ASCII.isTokenChar(c) else { return bad("invalid method") }
            i &+= 1
        }
        guard i > methodStart else { return bad("invalid method") }
        head.methodToken = methodStart..<i
        head.method = HTTPMethod(token: methodStart..<i, in: b)
        i &+= 1

        // request-target SP
        let targetStart = i
        while true {
            guard i < end else { return .needMore }
            let c = b[i]
            if c == ASCII.sp { break }
            guard ASCII.isTargetChar(c) else { return bad("invalid request target") }
            i &+= 1
        }
        guard i > targetStart else { return bad("invalid request target") }
        head.target = targetStart..<i
        splitTarget(b, &head)
        i &+= 1

        // HTTP-version CRLF: "HTTP/" DIGIT "." DIGIT
        let versionPattern: StaticString = "HTTP/0.0\r\n"
        let pattern = versionPattern.utf8Start
        var digits: (major: UInt8, minor: UInt8) = (0, 0)
        for k in 0..<10 {
            guard i < end else { return .needMore }
            let c = b[i]
            switch k {
            case 5, 7:
                guard c &- 0x30 < 10 else { return bad("invalid HTTP version") }
                if k == 5 { digits.major = c &- 0x30 } else { digits.minor = c &- 0x30 }
            case 9:
                guard c == ASCII.lf else { return bad("invalid line ending") }
            default:
                guard c == pattern[k] else { return bad("invalid HTTP version") }
            }
            i &+= 1
        }
        switch digits {
        case (1, 1): head.version = .http11
        case (1, 0): head.version = .http10
        default: return .invalid(.unsupportedVersion)
        }

        // *( field-line CRLF ) CRLF
        while true {
            guard i < end else { return .needMore }
            let first = b[i]
            if first == ASCII.cr {
                guard i &+ 1 < end else { return .needMore }
                guard b[i &+ 1] == ASCII.lf else { return bad("invalid line ending") }
                head.headLength = i &+ 2
                return .complete
            }
            if ASCII.isWhitespace(first) { return bad("obsolete line folding") }

            let nameStart = i
            while true {
                guard i < end else { return .needMore }
                let c = b[i]
                if c == ASCII.colon { break }
                if ASCII.isWhitespace(c) { return bad("whitespace in header name") }
                guard ASCII.isTokenChar(c) else { return bad("invalid header name") }
                i &+= 1
            }
            guard i > nameStart else { return bad("empty header name") }
            let nameEnd = i
            i &+= 1

            while i < end && ASCII.isWhitespace(b[i]) { i &+= 1 }
            let valueStart = i
            var valueEnd = i
            while true {
                guard i < end else { return .needMore }
                let c = b[i]
                if c == ASCII.cr { break }
                guard ASCII.isFieldValueChar(c) else { return bad("invalid character in header value") }
                i &+= 1
                if !ASCII.isWhitespace(c) { valueEnd = i }
            }
            guard i &+ 1 < end else { return .needMore }
            guard b[i &+ 1] == ASCII.lf else { return bad("invalid line ending") }
            i &+= 2

            guard head.headers.count < limits.maxHeaderCount else { return .invalid(.headTooLarge) }
            head.headers.append(HeaderField(name: nameStart..<nameEnd, value: valueStart..<valueEnd))
        }
    }

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
                    slashes &+= 1
                    if slashes == 3 { break }
                }
                i &+= 1
            }
            pathStart = i
        }
        var i = pathStart
        while i < target.upperBound && b[i] != ASCII.question { i &+= 1 }
        head.path = pathStart..<i
        head.query = i < target.upperBound ? (i &+ 1)..<target.upperBound : nil
    }
}
