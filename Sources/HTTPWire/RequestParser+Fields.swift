// The semantic pass over a complete head: body framing, connection, expectation, coding, credential.
//
// Smuggling defences (RFC 9112 §6.1, §6.3, RFC 9110 §8.6), each a 400 unless said:
// - `Content-Length` and `Transfer-Encoding` together;
// - `Content-Length` that is not 1*DIGIT (sign, spaces inside, lists such as "5, 5", empty) or overflows `Int`;
// - two `Content-Length` fields with different values (identical repeated fields are accepted, RFC 9110 §8.6);
// - `Transfer-Encoding` other than exactly one `chunked` (case-insensitive), in any number of fields: any other
//   coding (gzip, identity, parameters, unknown), `chunked` twice, or an empty value;
// - `Transfer-Encoding` on an HTTP/1.0 request (RFC 9112 §6.1: its framing cannot be trusted);
// - two `Authorization` fields (which credential counts would be ambiguous);
// - an HTTP/1.1 request without exactly one `Host` field (RFC 9112 §3.2; HTTP/1.0 may omit it).
// `Content-Length` above `maxBodyBytes` is 413 straight from the head. An unsupported `Content-Encoding` is 415.
extension RequestParser {
    private static func bad(_ why: String) -> HeadParseStatus { .invalid(.badRequest(why)) }

    static func interpretFields(
        _ b: UnsafeRawBufferPointer, limits: HTTPLimits, head: inout RequestHead
    ) -> HeadParseStatus {
        var contentLength: Int?
        var sawTransferEncoding = false
        var chunked = false
        var connectionClose = false
        var connectionKeepAlive = false
        var hostFields = 0

        for field in head.headers {
            let name = field.name
            let value = field.value
            switch name.count {
            case 14 where ASCII.equalsIgnoringCase(b, name, "content-length"):
                guard let length = parseContentLength(b, value) else { return bad("invalid content-length") }
                if let previous = contentLength, previous != length { return bad("conflicting content-length") }
                contentLength = length

            case 17 where ASCII.equalsIgnoringCase(b, name, "transfer-encoding"):
                sawTransferEncoding = true
                var valid = true
                ASCII.forEachListElement(b, value) { coding in
                    if chunked || !ASCII.equalsIgnoringCase(b, coding, "chunked") {
                        valid = false
                        return false
                    }
                    chunked = true
                    return true
                }
                guard valid else { return bad("unsupported transfer-encoding") }

            case 10 where ASCII.equalsIgnoringCase(b, name, "connection"):
                ASCII.forEachListElement(b, value) { option in
                    if ASCII.equalsIgnoringCase(b, option, "close") { connectionClose = true }
                    if ASCII.equalsIgnoringCase(b, option, "keep-alive") { connectionKeepAlive = true }
                    return true
                }

            case 6 where ASCII.equalsIgnoringCase(b, name, "expect"):
                ASCII.forEachListElement(b, value) { expectation in
                    if ASCII.equalsIgnoringCase(b, expectation, "100-continue") { head.expectContinue = true }
                    return true
                }

            case 16 where ASCII.equalsIgnoringCase(b, name, "content-encoding"):
                if let error = addContentCodings(b, value, to: &head.contentEncoding) { return .invalid(error) }

            case 4 where ASCII.equalsIgnoringCase(b, name, "host"):
                hostFields += 1

            case 13 where ASCII.equalsIgnoringCase(b, name, "authorization"):
                guard head.authorization == nil else { return bad("duplicate authorization header") }
                head.authorization = value

            default:
                break
            }
        }

        if sawTransferEncoding {
            guard chunked else { return bad("unsupported transfer-encoding") }
            guard contentLength == nil else { return bad("both content-length and transfer-encoding") }
            guard head.version == .http11 else { return bad("transfer-encoding in an HTTP/1.0 request") }
            head.framing = .chunked
        } else if let length = contentLength {
            guard length <= limits.maxBodyBytes else { return .invalid(.payloadTooLarge) }
            head.framing = .contentLength(length)
        }

        switch head.version {
        case .http11:
            guard hostFields == 1 else { return bad(hostFields == 0 ? "missing host header" : "duplicate host header") }
            head.keepAlive = !connectionClose
        case .http10:
            guard hostFields <= 1 else { return bad("duplicate host header") }
            head.keepAlive = connectionKeepAlive && !connectionClose
            head.expectContinue = false
        }
        return .complete
    }

    /// `1*DIGIT` without overflow, or nil.
    private static func parseContentLength(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty else { return nil }
        var value = 0
        for i in range {
            let digit = b[i] &- 0x30  // wraps on purpose: one compare below tests 0...9
            guard digit < 10 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(digit))
            guard !o1 && !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// Adds the codings listed in one `Content-Encoding` field; nil when they are acceptable.
    private static func addContentCodings(
        _ b: UnsafeRawBufferPointer, _ range: Range<Int>, to coding: inout ContentCoding
    ) -> HTTPError? {
        var error: HTTPError?
        ASCII.forEachListElement(b, range) { element in
            let next: ContentCoding
            if ASCII.equalsIgnoringCase(b, element, "identity") {
                return true
            } else if ASCII.equalsIgnoringCase(b, element, "gzip") || ASCII.equalsIgnoringCase(b, element, "x-gzip") {
                next = .gzip
            } else if ASCII.equalsIgnoringCase(b, element, "deflate") {
                next = .deflate
            } else if ASCII.equalsIgnoringCase(b, element, "zstd") {
                next = .zstd
            } else {
                error = .unsupportedMediaType("unsupported content-encoding")
                return false
            }
            guard coding == .identity else {
                error = .unsupportedMediaType("more than one content-encoding")
                return false
            }
            coding = next
            return true
        }
        return error
    }
}
