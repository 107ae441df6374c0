#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EventModel

/// The Apache/nginx combined (and common) log format:
/// `client ident user [dd/Mon/yyyy:HH:mm:ss ±zzzz] "METHOD url HTTP/x" status size "referrer" "agent" [responsetime]`.
///
/// Fields: `client`, `ident`, `user`, `method`, `url`, `httpversion`, `statuscode`, `responsesize`,
/// `referrer`, `useragent`, `responsetime`; a `-` placeholder adds no field. Quoted parts honour `\"`
/// escapes (Apache) and are kept as written otherwise. A request line that is not `METHOD url [version]`
/// (a TLS probe, garbage) leaves `method`/`url`/`httpversion` unset and the event still parses.
///
/// The field names are stored back to back (``names``, once per batch: ``ParseScratch/interned(_:in:)``),
/// and every field's name is a slice of that run: no arena append per field, which would be a large part of
/// the parse.
/// The line is read where it lies in the arena, not from a scratch copy as the other stages read theirs:
/// nothing is stored while it is read.
enum AccessLogParser {
    /// What a line parsed to: its time and zone, and how many fields it wrote to the caller's buffer.
    enum Outcome {
        case parsed(time: ParsedTimestamp, zone: ByteSpan?, fieldCount: Int)
        case failed(StaticString)
    }

    /// Parses the last event's raw text where it lies in the arena (no copy: the stage stores nothing while it
    /// reads) and adds the time, zone and fields. `names` (the arena span of ``names``) must be stored before.
    static func parse(_ batch: inout EventBatch, names: ByteSpan) -> StaticString? {
        let raw = batch.lastEventRawstring
        return withUnsafeTemporaryAllocation(of: Field.self, capacity: Fields.capacity) { buffer in
            let outcome = batch.withBytes(raw) { bytes in
                parse(StageInput(bytes: bytes, arenaOffset: Int(raw.start)), names: names, into: buffer)
            }
            switch outcome {
            case .failed(let reason):
                return reason
            case .parsed(let time, let zone, let fieldCount):
                batch.setTimestamp(millis: time.millis, nanos: time.nanos)
                if let zone { batch.setTimezone(zone) }
                batch.addFields(UnsafeBufferPointer(rebasing: buffer[..<fieldCount]))
                return nil
            }
        }
    }

    /// Parses one line into `buffer` (at least ``Fields/capacity`` fields); touches no batch.
    static func parse(_ input: StageInput, names: ByteSpan, into buffer: UnsafeMutableBufferPointer<Field>) -> Outcome {
        let s = input.bytes
        var cursor = AccessLogCursor(s)
        guard let client = cursor.token(), let ident = cursor.token(), let user = cursor.token()
        else { return .failed("accesslog: not an access log line") }
        cursor.skipSpaces()
        guard cursor.at(UInt8(ascii: "[")) else { return .failed("accesslog: not an access log line") }
        guard let time = TimestampParser.accessLog(s, from: cursor.i + 1), time.end < s.count,
              s[time.end] == UInt8(ascii: "]")
        else { return .failed("accesslog: invalid timestamp") }
        cursor.i = time.end + 1
        guard let request = cursor.quoted() else { return .failed("accesslog: missing request line") }
        guard let status = cursor.token(), cursor.allDigits(status) || isPlaceholder(s, status)
        else { return .failed("accesslog: invalid status code") }
        let size = cursor.token()

        var fields = Fields(names: names, input: input, buffer: buffer)
        fields.add(.client, client)
        fields.add(.ident, ident)
        fields.add(.user, user)
        splitRequest(request, &fields)
        fields.add(.statuscode, status)
        if let size { fields.add(.responsesize, size) }
        if let referrer = cursor.quoted() {
            fields.add(.referrer, referrer)
            if let agent = cursor.quoted() { fields.add(.useragent, agent) }
        }
        if let responseTime = cursor.token(), cursor.allDigitsOrDots(responseTime) {
            fields.add(.responsetime, responseTime)
        }
        let zone = time.zoneCount > 0 ? input.span(time.zoneStart, time.zoneStart + time.zoneCount) : nil
        return .parsed(time: time, zone: zone, fieldCount: fields.count)
    }

    static func isPlaceholder(_ s: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        range.count == 1 && s[range.lowerBound] == UInt8(ascii: "-")
    }

    /// Every field name, back to back; ``Name`` holds each one's offset and length in it.
    static let names: StaticString = "clientidentusermethodurlhttpversionstatuscoderesponsesizereferreruseragentresponsetime"

    /// A field name: its offset in ``names`` (the raw value) and its length.
    enum Name: Int32 {
        case client = 0, ident = 6, user = 11, method = 15, url = 21, httpversion = 24, statuscode = 35,
             responsesize = 45, referrer = 57, useragent = 65, responsetime = 74

        var length: Int32 {
            switch self {
            case .client, .method: 6
            case .ident: 5
            case .user: 4
            case .url: 3
            case .httpversion: 11
            case .statuscode: 10
            case .responsesize, .responsetime: 12
            case .referrer: 8
            case .useragent: 9
            }
        }
    }

    /// Gathers fields whose names are slices of the stored ``names`` and whose values are input slices, in
    /// a buffer the caller adds to the event with one call (a call per field costs far more per line).
    struct Fields {
        /// Every ``Name`` at most once.
        static let capacity = 11
        let names: ByteSpan
        let input: StageInput
        let buffer: UnsafeMutableBufferPointer<Field>
        private(set) var count = 0

        init(names: ByteSpan, input: StageInput, buffer: UnsafeMutableBufferPointer<Field>) {
            self.names = names
            self.input = input
            self.buffer = buffer
        }

        mutating func add(_ name: Name, _ range: Range<Int>) {
            guard !range.isEmpty, !AccessLogParser.isPlaceholder(input.bytes, range) else { return }
            precondition(count < buffer.count, "a name added twice")
            let nameSpan = ByteSpan(start: names.start + name.rawValue, count: name.length)
            buffer.initializeElement(at: count, to: Field(nameSpan: nameSpan, valueSpan: input.span(range.lowerBound, range.upperBound)))
            count += 1
        }
    }

    /// `METHOD url HTTP/x.y`: the url is everything between the first and the last space, so urls with
    /// spaces in them survive; `METHOD url` (HTTP/0.9) has no version.
    private static func splitRequest(_ request: Range<Int>, _ fields: inout Fields) {
        let s = fields.input.bytes
        var firstSpace = request.lowerBound
        while firstSpace < request.upperBound, s[firstSpace] != 0x20 {
            let b = s[firstSpace]
            // A method is upper-case letters, `-` and `_`; anything else is not a request line.
            guard b &- UInt8(ascii: "A") < 26 || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") else { return }
            firstSpace += 1
        }
        guard firstSpace < request.upperBound, firstSpace > request.lowerBound else { return }
        let method = request.lowerBound..<firstSpace
        var urlEnd = request.upperBound
        var version: Range<Int>? = nil
        var lastSpace = request.upperBound - 1
        while lastSpace > firstSpace, s[lastSpace] != 0x20 { lastSpace -= 1 }
        if lastSpace > firstSpace, request.upperBound - lastSpace > 5,
           s[lastSpace + 1] == UInt8(ascii: "H"), s[lastSpace + 2] == UInt8(ascii: "T"), s[lastSpace + 3] == UInt8(ascii: "T"),
           s[lastSpace + 4] == UInt8(ascii: "P"), s[lastSpace + 5] == UInt8(ascii: "/") {
            version = (lastSpace + 1)..<request.upperBound
            urlEnd = lastSpace
        }
        let url = (firstSpace + 1)..<urlEnd
        guard !url.isEmpty else { return }
        fields.add(.method, method)
        fields.add(.url, url)
        if let version { fields.add(.httpversion, version) }
    }
}

/// A position in one access-log line and the scans the parser needs: space-separated tokens and quoted
/// parts (the closing quote found with `memchr`, then checked for an odd run of backslashes before it).
struct AccessLogCursor {
    let s: UnsafeRawBufferPointer
    var i = 0

    init(_ s: UnsafeRawBufferPointer) {
        self.s = s
    }

    func at(_ byte: UInt8) -> Bool { i < s.count && s[i] == byte }

    mutating func skipSpaces() {
        while i < s.count, s[i] == 0x20 || s[i] == 0x09 { i += 1 }
    }

    /// The next run of bytes other than space and tab, after spaces; nil at the end.
    mutating func token() -> Range<Int>? {
        skipSpaces()
        let start = i
        while i < s.count, s[i] != 0x20, s[i] != 0x09 { i += 1 }
        return start < i ? start..<i : nil
    }

    /// The inside of the next `"…"` (after spaces), `\x` pairs included; nil when there is none or it is
    /// not closed.
    mutating func quoted() -> Range<Int>? {
        skipSpaces()
        guard at(UInt8(ascii: "\"")), let base = s.baseAddress else { return nil }
        let start = i + 1
        var from = start
        while from < s.count {
            guard let found = memchr(base + from, Int32(UInt8(ascii: "\"")), s.count - from) else { return nil }
            let quote = UnsafeRawPointer(found) - base
            // Escaped when an odd number of backslashes (counted back to the opening quote) precede it.
            var backslashes = 0
            while quote - backslashes - 1 >= start, s[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes & 1 == 0 {
                i = quote + 1
                return start..<quote
            }
            from = quote + 1
        }
        return nil
    }

    func allDigits(_ range: Range<Int>) -> Bool {
        for index in range where s[index] &- UInt8(ascii: "0") >= 10 { return false }
        return true
    }

    func allDigitsOrDots(_ range: Range<Int>) -> Bool {
        for index in range where s[index] &- UInt8(ascii: "0") >= 10 && s[index] != UInt8(ascii: ".") { return false }
        return true
    }
}
