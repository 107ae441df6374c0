#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import EventModel

/// Finds `key=value`, `key="quoted \" value"` and `key='quoted'` pairs in text and adds them as fields.
///
/// A key is the longest run of letters, digits, `_ . - @ / [ ]` just before the separator; a value is
/// quoted (backslash escapes `\"`, `\'` and `\\`; other escapes are kept as written) or runs to the next
/// whitespace, minus one trailing `,` or `;`. An unterminated quote makes the value run to the end of the
/// text. Keys, and values without escapes, are spans into the input; only unescaped values are written anew.
struct KeyValueScanner: Sendable {
    let separator: [UInt8]
    /// A later pair replaces an existing field of the same name (otherwise the first wins).
    let override: Bool

    init(separator: [UInt8] = [UInt8(ascii: "=")], override: Bool = false) {
        self.separator = separator
        self.override = override
    }

    /// Whether `b` may be part of a key: a letter, digit, `_ . - @ / [ ]` (a bit mask, so the hot loop
    /// touches no array and retains nothing).
    @inline(__always)
    static func isKeyByte(_ b: UInt8) -> Bool {
        let word: UInt64 = b < 64 ? keyBytesBelow64 : b < 128 ? keyBytes64To127 : 0
        return word &>> UInt64(b & 63) & 1 == 1
    }

    /// Bits 0–63: `- . /` and the digits.
    private static let keyBytesBelow64: UInt64 = 0x03FF_E000_0000_0000
    /// Bits 64–127: `@`, letters, `[ ] _`.
    private static let keyBytes64To127: UInt64 = 0x07FF_FFFE_AFFF_FFFF

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// Scans `input` from `start` and adds every pair to the batch's last event.
    func scan(_ input: StageInput, from start: Int, into batch: inout EventBatch) {
        separator.withUnsafeBytes { Self.scan(input, from: start, separator: $0, override: override, into: &batch) }
    }

    /// The scan with the separator as bytes.
    private static func scan(_ input: StageInput, from start: Int, separator sep: UnsafeRawBufferPointer, override: Bool,
                     into batch: inout EventBatch) {
        guard let first = sep.first, let sepBase = sep.baseAddress else { return }
        let s = input.bytes
        let n = s.count
        guard n > 0, let base = s.baseAddress else { return }
        let separatorCount = sep.count
        var lowerBound = start
        var i = start
        var filter = batch.lastEventNameFilter()
        while i < n {
            guard let hit = memchr(base + i, Int32(first), n - i) else { return }
            let at = UnsafeRawPointer(hit) - base
            if separatorCount > 1 {
                guard at + separatorCount <= n, memcmp(base + at, sepBase, separatorCount) == 0 else {
                    i = at + 1
                    continue
                }
            }
            var keyStart = at
            while keyStart > lowerBound, isKeyByte(s[keyStart - 1]) { keyStart -= 1 }
            i = at + separatorCount
            guard keyStart < at else { continue }
            let valueEnd = addValue(input, key: keyStart..<at, valueStart: i, override: override, filter: &filter,
                                    into: &batch)
            i = valueEnd
            lowerBound = valueEnd
        }
    }

    /// Reads the value starting at `valueStart`, adds the pair, and returns where scanning resumes.
    private static func addValue(_ input: StageInput, key: Range<Int>, valueStart: Int, override: Bool,
                                 filter: inout NameFilter, into batch: inout EventBatch) -> Int {
        let s = input.bytes
        let n = s.count
        var i = valueStart
        let value: ByteSpan
        if i < n, s[i] == UInt8(ascii: "\"") || s[i] == UInt8(ascii: "'") {
            let quote = s[i]
            i += 1
            let contentStart = i
            var escaped = false
            while i < n, s[i] != quote {
                if s[i] == UInt8(ascii: "\\"), i + 1 < n { escaped = true; i += 2 } else { i += 1 }
            }
            let contentEnd = min(i, n)
            if i < n { i += 1 }  // closing quote
            value = escaped
                ? Self.unescape(input, contentStart, contentEnd, escapable: Self.isQuoteEscape, into: &batch)
                : input.span(contentStart, contentEnd)
        } else {
            while i < n, !Self.isSpace(s[i]) { i += 1 }
            var end = i
            if end > valueStart, s[end - 1] == UInt8(ascii: ",") || s[end - 1] == UInt8(ascii: ";") { end -= 1 }
            value = input.span(valueStart, end)
        }
        batch.addField(name: input.raw(key.lowerBound, key.upperBound), at: input.span(key.lowerBound, key.upperBound),
                       value: value, override: override, filter: &filter)
        return i
    }

    static func isQuoteEscape(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") || b == UInt8(ascii: "\\")
    }

    /// Writes input `start ..< end` into the arena with `\X` replaced by `X` for each escapable `X`.
    static func unescape(_ input: StageInput, _ start: Int, _ end: Int, escapable: (UInt8) -> Bool,
                         into batch: inout EventBatch) -> ByteSpan {
        let s = input.bytes
        let spanStart = batch.arenaCount
        var i = start
        var runStart = start
        while i < end {
            if s[i] == UInt8(ascii: "\\"), i + 1 < end {
                let next = s[i + 1]
                if escapable(next) {
                    batch.appendBytes(input.raw(runStart, i))
                    batch.appendByte(next)
                    i += 2
                    runStart = i
                    continue
                }
                i += 2
                continue
            }
            i += 1
        }
        batch.appendBytes(input.raw(runStart, end))
        return batch.span(from: spanStart)
    }
}
