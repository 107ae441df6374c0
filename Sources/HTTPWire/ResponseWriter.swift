/// Serialises complete HTTP/1.1 responses into a caller-owned output buffer.
///
/// Guarantees: every response carries `Content-Length` and `Content-Type`, and `Connection: close` when the
/// connection will be closed; the bytes are exactly `status line, Content-Type, Content-Length, [Connection],
/// extra headers in order, CRLF, body`. Without extra headers nothing is allocated beyond the growth of `out`
/// (integers are written as digits directly). CR, LF and NUL in extra header names or values are dropped, so a
/// header can never inject another one.
public enum ResponseWriter {
    public static let continue100: StaticString = "HTTP/1.1 100 Continue\r\n\r\n"

    /// Appends a complete response. With `headOnly` (a `HEAD` request) the body's length is announced but the
    /// body itself is not written.
    public static func append(
        status: Int, headers: [(String, String)] = [], contentType: StaticString = "application/json",
        body: UnsafeRawBufferPointer, keepAlive: Bool, headOnly: Bool = false, into out: inout [UInt8]
    ) {
        appendHead(
            status: status, headers: headers, contentType: contentType, contentLength: body.count,
            keepAlive: keepAlive, into: &out)
        if !headOnly { out.append(contentsOf: body) }
    }

    public static func append(
        status: Int, headers: [(String, String)] = [], contentType: StaticString = "application/json",
        body: StaticString, keepAlive: Bool, headOnly: Bool = false, into out: inout [UInt8]
    ) {
        body.withUTF8Buffer { bytes in
            append(
                status: status, headers: headers, contentType: contentType, body: UnsafeRawBufferPointer(bytes),
                keepAlive: keepAlive, headOnly: headOnly, into: &out)
        }
    }

    /// Appends only the head (through the blank line) of a response whose body of `contentLength` bytes the
    /// caller writes itself (e.g. straight from another buffer).
    public static func appendHead(
        status: Int, headers: [(String, String)] = [], contentType: StaticString = "application/json",
        contentLength: Int, keepAlive: Bool, into out: inout [UInt8]
    ) {
        precondition((100...999).contains(status), "HTTP status must have three digits")
        precondition(contentLength >= 0)
        appendLiteral("HTTP/1.1 ", &out)
        appendDecimal(status, &out)
        out.append(ASCII.sp)
        appendLiteral(reasonPhrase(status), &out)
        appendLiteral("\r\nContent-Type: ", &out)
        appendLiteral(contentType, &out)
        appendLiteral("\r\nContent-Length: ", &out)
        appendDecimal(contentLength, &out)
        appendLiteral(keepAlive ? "\r\n" : "\r\nConnection: close\r\n", &out)
        for (name, value) in headers {
            appendSanitized(name, &out)
            appendLiteral(": ", &out)
            appendSanitized(value, &out)
            appendLiteral("\r\n", &out)
        }
        appendLiteral("\r\n", &out)
    }

    static func appendLiteral(_ literal: StaticString, _ out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends the decimal digits of a non-negative integer.
    static func appendDecimal(_ value: Int, _ out: inout [UInt8]) {
        var scale = 1
        while scale <= value / 10 { scale *= 10 }
        while scale > 0 {
            out.append(0x30 + UInt8(truncatingIfNeeded: value / scale % 10))
            scale /= 10
        }
    }

    private static func appendSanitized(_ text: String, _ out: inout [UInt8]) {
        for byte in text.utf8 where byte != ASCII.cr && byte != ASCII.lf && byte != 0 {
            out.append(byte)
        }
    }
}
