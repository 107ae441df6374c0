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

    /// `,\n  "name": [` then one `{…}` object per line, its members written by `fields`.
    mutating func list<T>(_ name: String, _ items: [T], _ fields: (inout JSONWriter, T) -> Void) {
        entryList(name, items, { (out: inout JSONWriter, item: T) in
            out.raw("{")
            fields(&out, item)
            out.raw("}")
        })
    }

    /// `,\n  "name": [` then one entry per line, each written whole by `entry`.
    mutating func entryList<T>(_ name: String, _ items: [T], _ entry: (inout JSONWriter, T) -> Void) {
        entryList(name, count: items.count) { out, i in entry(&out, items[i]) }
    }

    /// As ``entryList(_:_:_:)`` for `count` entries that `entry` writes by position.
    mutating func entryList(_ name: String, count: Int, _ entry: (inout JSONWriter, Int) -> Void) {
        raw(",\n  ")
        string(name)
        raw(": [")
        for i in 0..<count {
            raw(i == 0 ? "\n    " : ",\n    ")
            entry(&self, i)
        }
        raw(count == 0 ? "]" : "\n  ]")
    }
}
