import JSONStream

/// Appends JSON text to a byte buffer.
struct JSONWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func string(_ text: String) {
        JSONStringWriter.append(text, to: &bytes)
    }

    mutating func strings(_ list: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (i, text) in list.enumerated() {
            if i > 0 { raw(", ") }
            string(text)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func field(_ key: String, _ value: String?, first: Bool = false) {
        guard let value else { return }
        if !first { raw(", ") }
        string(key)
        raw(": ")
        string(value)
    }

    /// A number field, left out when absent (or not finite, which JSON cannot hold); written in the
    /// shortest form that reads back as the same `Double`.
    mutating func field(_ key: String, number value: Double?, first: Bool = false) {
        guard let value, value.isFinite else { return }
        if !first { raw(", ") }
        string(key)
        raw(": ")
        raw(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)")
    }

    /// `,\n  "name": [` then one `{…}` object per line.
    mutating func list<T>(_ name: String, _ items: [T], _ fields: (inout JSONWriter, T) -> Void) {
        raw(",\n  ")
        string(name)
        raw(": [")
        for (i, item) in items.enumerated() {
            raw(i == 0 ? "\n    {" : ",\n    {")
            fields(&self, item)
            raw("}")
        }
        raw(items.isEmpty ? "]" : "\n  ]")
    }
}
