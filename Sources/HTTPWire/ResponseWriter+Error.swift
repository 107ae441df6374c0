extension ResponseWriter {
    /// Appends a complete JSON error response for `error`: its status and `{"error":"<reason>"}`.
    public static func appendError(
        _ error: HTTPError, headers: [(String, String)] = [], keepAlive: Bool, headOnly: Bool = false,
        into out: inout [UInt8]
    ) {
        appendError(
            status: error.status, reason: error.reason, headers: headers, keepAlive: keepAlive, headOnly: headOnly,
            into: &out)
    }

    /// Appends a complete response with the JSON error body `{"error":"<reason>"}`, written straight into `out`
    /// (its length is computed first, so no temporary buffer is needed).
    public static func appendError(
        status: Int, reason: String, headers: [(String, String)] = [], keepAlive: Bool, headOnly: Bool = false,
        into out: inout [UInt8]
    ) {
        appendHead(
            status: status, headers: headers, contentLength: ErrorBody.encodedCount(reason), keepAlive: keepAlive,
            into: &out)
        if !headOnly { ErrorBody.append(reason, into: &out) }
    }
}
