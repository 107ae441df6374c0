/// How the body of a response is delimited (RFC 9112 §6.3, client side).
public enum ResponseFraming: Sendable, Equatable {
    /// No body: 1xx, 204, 304, or the answer to a `HEAD`.
    case none
    /// Exactly this many bytes follow the head.
    case contentLength(Int)
    /// `Transfer-Encoding: chunked`; decode with ``ChunkedDecoder``.
    case chunked
    /// Neither length nor chunked: the body runs until the server closes the connection.
    case untilClose
}

/// The parts of a response head a client acts on.
public struct ResponseHead: Sendable, Equatable {
    public var status: Int
    /// Bytes of the head, status line through the blank line.
    public var headLength: Int
    public var framing: ResponseFraming
    /// False when the server said `Connection: close`, answered as HTTP/1.0 without `keep-alive`, or the body
    /// runs until close.
    public var keepAlive: Bool

    public init(status: Int, headLength: Int, framing: ResponseFraming, keepAlive: Bool) {
        self.status = status
        self.headLength = headLength
        self.framing = framing
        self.keepAlive = keepAlive
    }
}

/// What one call to ``ResponseParser/parseHead(_:isHeadRequest:limits:)`` found.
public enum ResponseParseResult: Sendable, Equatable {
    case complete(ResponseHead)
    case needMore
    case invalid(HTTPError)
}

/// A stateless, zero-copy HTTP/1.1 response-head parser for clients (the load generator).
///
/// Each call parses from the buffer's first byte, so after `.needMore` the caller calls again with more bytes.
/// Guarantees: never reads past `limits.maxHeadBytes` (a longer unfinished head is `.headTooLarge`); lines end with
/// CRLF (a bare LF is tolerated in the field section, as RFC 9112 §2.2 allows a recipient to); the status code has
/// exactly three digits; a `Content-Length` that is not a decimal number, or two that disagree, or one together
/// with `Transfer-Encoding`, is `.badRequest` (the text names the rule); field names are matched
/// case-insensitively; nothing is allocated.
public enum ResponseParser {
    public static func parseHead(
        _ buffer: UnsafeRawBufferPointer, isHeadRequest: Bool = false, limits: HTTPLimits = HTTPLimits()
    ) -> ResponseParseResult {
        let end = min(buffer.count, limits.maxHeadBytes)
        // Status line: HTTP/1.x SP 3DIGIT SP reason CRLF
        guard let lineEnd = findLF(buffer, from: 0, end: end) else {
            return needMoreOrInvalid(buffer, end: end, limits: limits)
        }
        let prefix: StaticString = "HTTP/1."
        let prefixLength = prefix.utf8CodeUnitCount
        guard lineEnd >= prefixLength + 5 else { return .invalid(.badRequest("malformed status line")) }
        for i in 0..<prefixLength where buffer[i] != prefix.utf8Start[i] {
            return .invalid(.badRequest("malformed status line"))
        }
        let minor = buffer[prefixLength]
        guard minor == 0x30 || minor == 0x31, buffer[prefixLength + 1] == ASCII.sp else {
            return .invalid(.badRequest("malformed status line"))
        }
        var status = 0
        for i in (prefixLength + 2)..<(prefixLength + 5) {
            let digit = buffer[i] &- 0x30
            guard digit < 10 else { return .invalid(.badRequest("malformed status code")) }
            status = status * 10 + Int(digit)
        }
        let afterCode = prefixLength + 5
        let separator = buffer[afterCode]
        guard afterCode == lineEnd || separator == ASCII.sp || (separator == ASCII.cr && afterCode == lineEnd - 1) else {
            return .invalid(.badRequest("malformed status code"))
        }
        guard status >= 100 else { return .invalid(.badRequest("malformed status code")) }
        var keepAlive = minor == 0x31
        var contentLength: Int?
        var chunked = false
        var sawTransferEncoding = false
        var lineStart = lineEnd + 1
        while true {
            guard let fieldEnd = findLF(buffer, from: lineStart, end: end) else {
                return needMoreOrInvalid(buffer, end: end, limits: limits)
            }
            var valueEnd = fieldEnd
            if valueEnd > lineStart && buffer[valueEnd - 1] == ASCII.cr { valueEnd -= 1 }
            if valueEnd == lineStart {
                let headLength = fieldEnd + 1
                let framing: ResponseFraming
                if isHeadRequest || status < 200 || status == 204 || status == 304 {
                    framing = .none
                } else if sawTransferEncoding {
                    guard contentLength == nil else { return .invalid(.badRequest("both Content-Length and Transfer-Encoding")) }
                    framing = chunked ? .chunked : .untilClose
                } else if let contentLength {
                    framing = .contentLength(contentLength)
                } else {
                    framing = .untilClose
                }
                if framing == .untilClose { keepAlive = false }
                return .complete(ResponseHead(status: status, headLength: headLength, framing: framing, keepAlive: keepAlive))
            }
            guard let colon = find(ASCII.colon, buffer, from: lineStart, end: valueEnd), colon > lineStart else {
                return .invalid(.badRequest("malformed header field"))
            }
            var valueStart = colon + 1
            while valueStart < valueEnd && ASCII.isWhitespace(buffer[valueStart]) { valueStart += 1 }
            while valueEnd > valueStart && ASCII.isWhitespace(buffer[valueEnd - 1]) { valueEnd -= 1 }
            let name = lineStart..<colon
            if equalsLowercase(buffer, name, "content-length") {
                guard let length = decimal(buffer, valueStart..<valueEnd) else {
                    return .invalid(.badRequest("invalid Content-Length"))
                }
                if let contentLength, contentLength != length { return .invalid(.badRequest("conflicting Content-Length")) }
                contentLength = length
            } else if equalsLowercase(buffer, name, "transfer-encoding") {
                sawTransferEncoding = true
                chunked = endsWithLowercase(buffer, valueStart..<valueEnd, "chunked")
            } else if equalsLowercase(buffer, name, "connection") {
                if containsLowercase(buffer, valueStart..<valueEnd, "close") { keepAlive = false }
                if containsLowercase(buffer, valueStart..<valueEnd, "keep-alive") && minor == 0x30 { keepAlive = true }
            }
            lineStart = fieldEnd + 1
        }
    }

    private static func needMoreOrInvalid(_ buffer: UnsafeRawBufferPointer, end: Int, limits: HTTPLimits) -> ResponseParseResult {
        buffer.count >= limits.maxHeadBytes ? .invalid(.headTooLarge) : .needMore
    }
}
