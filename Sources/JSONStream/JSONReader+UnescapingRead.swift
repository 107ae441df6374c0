import CByteScan

extension JSONReader {
    /// Reads a string value and writes its unescaped bytes to `target` as it validates them: one pass where
    /// ``readString()`` and then ``unescape(_:into:)`` make two, each stopping at every escape (access-log
    /// lines sent as JSON strings carry several `\"` each).
    ///
    /// Returns the string, as ``readString()`` does, and how many bytes were written; nil instead of a count
    /// when the string did not fit in `target` or holds a `\u` escape, which are then only validated (unescape
    /// them afterwards). Bytes of `target` past the count may have been overwritten. Errors, and where they
    /// are reported, are ``readString()``'s.
    public mutating func readString(unescapingInto target: UnsafeMutableRawBufferPointer) throws(JSONError)
        -> (string: JSONString, written: Int?) {
        if cursor >= end || base[cursor] != UInt8(ascii: "\"") { try expect(.string) }
        atContainerStart = false
        let start = cursor &+ 1
        guard let out = target.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return (try scanString(), nil)
        }
        let capacity = target.count
        var index = start
        var written = 0
        var hasEscapes = false
        while true {
            if index &+ 16 <= end && written &+ 16 <= capacity {
                let mask = sluice_json_copy16_attention(base + index, out + written)
                if mask == 0 {
                    index &+= 16
                    written &+= 16
                    continue
                }
                let skip = Int(mask.trailingZeroBitCount)
                index &+= skip
                written &+= skip
            } else {
                // Near the end of the body or of the target: a byte at a time.
                guard index < end else { throw error(.unexpectedEnd, at: index) }
                let byte = base[index]
                if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    guard written < capacity else { return try validateRest(start: start, from: index, hasEscapes) }
                    out[written] = byte
                    index &+= 1
                    written &+= 1
                    continue
                }
            }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                cursor = index &+ 1
                return (JSONString(span: JSONSpan(start: start, count: index &- start), hasEscapes: hasEscapes), written)
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                let next = try scanEscape(at: index)
                // `\uXXXX` (perhaps a surrogate pair, whose second half is not validated yet): the second pass.
                guard next == index &+ 2, written < capacity else { return try validateRest(start: start, from: index, true) }
                out[written] = Self.simpleEscapeValue(base[index &+ 1])
                written &+= 1
                index = next
            } else if byte < 0x20 {
                throw error(.controlCharacterInString, at: index)
            } else {
                let next = try scanUTF8Sequence(at: index)
                let length = next &- index
                guard written &+ length <= capacity else { return try validateRest(start: start, from: index, hasEscapes) }
                // A 16-byte step may have copied it already; copied again here whatever the path.
                for offset in 0..<length { out[written &+ offset] = base[index &+ offset] }
                written &+= length
                index = next
            }
        }
    }

    /// Validates the rest of a string from `index` (the fused read gave up there) and returns it without a
    /// written count.
    private mutating func validateRest(start: Int, from index: Int, _ hasEscapes: Bool) throws(JSONError)
        -> (string: JSONString, written: Int?) {
        let rest = try scanStringRest(start: start, from: index)
        return (JSONString(span: rest.span, hasEscapes: rest.hasEscapes || hasEscapes), nil)
    }
}
