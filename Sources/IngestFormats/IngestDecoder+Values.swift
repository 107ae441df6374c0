#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EventModel
import JSONStream
import Parsers

// The helpers below take the body (`JSONReader.bytes`), not the reader: passing the reader by value copies
// its 57 bytes right after `nextMember`/`readString` has stored its position, and that copy's wide loads
// wait on those stores, a stall on every structured member.
extension IngestDecoder {
    /// The bytes of a span of the body.
    @inline(__always)
    static func slice(_ body: UnsafeRawBufferPointer, _ span: JSONSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: body[span.start..<span.end])
    }

    /// A string's bytes in the arena: a string without escapes as a run of the body's copy when the batch
    /// holds one (``bodyCopy``), else copied; one with escapes unescaped straight into the arena.
    mutating func store(_ string: JSONString, of body: UnsafeRawBufferPointer, _ batch: inout EventBatch) -> ByteSpan {
        if !string.hasEscapes { return storeAsSent(string.span, of: body, &batch) }
        return batch.appendArenaBytes(upTo: string.span.count) { JSONReader.unescape(string, in: body, into: $0) }
    }

    /// How long a string may be to be unescaped into the arena as it is read; a longer one is validated, then
    /// unescaped (``readStoredString(_:_:)``).
    static let unescapedReadBytes = 64 << 10

    /// Reads a string value into the arena: one without escapes as a run of the body (``store(_:of:_:)``),
    /// one with escapes unescaped into the arena while it is validated, in one pass
    /// (``JSONReader/readString(unescapingInto:)``).
    mutating func readStoredString(_ reader: inout JSONReader, _ batch: inout EventBatch) throws(JSONError) -> ByteSpan {
        var string = JSONString(span: JSONSpan(start: 0, count: 0), hasEscapes: false)
        var failure: JSONError? = nil
        var unescaped = false
        let room = min(reader.bytes.count - reader.offset, Self.unescapedReadBytes)
        let span = batch.appendArenaBytes(upTo: room) { target in
            do throws(JSONError) {
                let read = try reader.readString(unescapingInto: UnsafeMutableRawBufferPointer(start: target, count: room))
                string = read.string
                guard read.string.hasEscapes, let written = read.written else { return 0 }
                unescaped = true
                return written
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        return unescaped ? span : store(string, of: reader.bytes, &batch)
    }

    /// A run of the body as sent, in the arena: the body's copy when the batch holds one (counted in
    /// ``referencedBytes``), else copied.
    @inline(__always)
    mutating func storeAsSent(_ span: JSONSpan, of body: UnsafeRawBufferPointer, _ batch: inout EventBatch) -> ByteSpan {
        if let bodyCopy, bodyCopy.source == UInt(bitPattern: body.baseAddress) {
            referencedBytes &+= span.count
            return bodyCopy.copy.span(start: span.start, count: span.count)
        }
        return batch.storeShort(Self.slice(body, span))
    }

    /// Adds a field whose name and value are runs of the body as sent: both pointing into the body's copy
    /// when the batch holds one, else both copied with one call.
    @inline(__always)
    mutating func addFieldAsSent(name: JSONSpan, value: JSONSpan, of body: UnsafeRawBufferPointer, _ batch: inout EventBatch) {
        if let bodyCopy, bodyCopy.source == UInt(bitPattern: body.baseAddress) {
            referencedBytes &+= name.count &+ value.count
            batch.addField(name: bodyCopy.copy.span(start: name.start, count: name.count),
                           value: bodyCopy.copy.span(start: value.start, count: value.count))
        } else {
            batch.addField(copyingName: Self.slice(body, name), value: Self.slice(body, value))
        }
    }

    /// Stores a scalar's text: a string unescaped, a number as sent, `true`, `false`, `null`.
    mutating func store(_ scalar: JSONScalar, of body: UnsafeRawBufferPointer, _ batch: inout EventBatch) -> ByteSpan {
        switch scalar {
        case .string(let string): store(string, of: body, &batch)
        case .number(let number): storeAsSent(number.span, of: body, &batch)
        case .bool(let value): value ? batch.store("true") : batch.store("false")
        case .null: batch.store("null")
        }
    }

    /// Reads the next value as text for a field such as `@host`: any scalar; a container is a type error.
    mutating func readText(_ reader: inout JSONReader, _ batch: inout EventBatch, eventNumber: Int,
                         member: StaticString) throws -> ByteSpan {
        guard let scalar = try reader.readScalarUnlessContainer() else {
            throw DecodeError.invalidEvent(eventNumber: eventNumber, reason: "\(member) must be a string, found \(try reader.peek())")
        }
        return store(scalar, of: reader.bytes, &batch)
    }

    /// Sets ``name`` to a member name.
    mutating func setName(_ member: JSONString, of body: UnsafeRawBufferPointer, prefix: UInt8? = nil) {
        name.removeAll()
        if let prefix { name.append(prefix) }
        appendName(member, of: body)
    }

    mutating func appendName(_ member: JSONString, of body: UnsafeRawBufferPointer) {
        if member.hasEscapes {
            name.append(upTo: member.span.count) { JSONReader(body).unescape(member, into: $0) }
        } else {
            name.append(Self.slice(body, member.span))
        }
    }

    /// Adds an object member (its name just read) as fields: a scalar under a plain name is taken as sent
    /// (pointing into the body's copy, or copied once: ``addFieldAsSent(name:value:of:_:)``); anything else
    /// is flattened through ``name``.
    mutating func addMember(_ member: JSONString, _ reader: inout JSONReader, _ draft: inout EventDraft,
                            _ batch: inout EventBatch) throws {
        if !member.hasEscapes, let scalar = try reader.readScalarUnlessContainer() {
            let nameBytes = reader.bytes(member.span)
            if nameBytes.count == 5 {
                if Self.isTypeName(nameBytes) { draft.hasType = true }
                if contentMembers && Self.isRepoName(nameBytes) {
                    batch.markContentRepositoryField()
                    return
                }
            }
            switch scalar {
            case .string(let string) where !string.hasEscapes:
                addFieldAsSent(name: member.span, value: string.span, of: reader.bytes, &batch)
            case .number(let number):
                addFieldAsSent(name: member.span, value: number.span, of: reader.bytes, &batch)
            default:
                let value = store(scalar, of: reader.bytes, &batch)
                batch.addField(name: storeAsSent(member.span, of: reader.bytes, &batch), value: value)
            }
            return
        }
        setName(member, of: reader.bytes)
        try addFlattened(&reader, &draft, &batch)
    }

    /// Whether a member name is `literal`: a plain name compared in place, length first (a mismatch costs
    /// no call), an escaped one through the reader's unescaping comparison.
    @inline(__always)
    static func isName(_ member: JSONString, _ literal: StaticString, _ body: UnsafeRawBufferPointer) -> Bool {
        guard !member.hasEscapes else { return JSONReader(body).equals(member, literal) }
        guard member.span.count == literal.utf8CodeUnitCount else { return false }
        return memcmp(body.baseAddress! + member.span.start, literal.utf8Start, member.span.count) == 0
    }

    /// Whether `bytes` are `#type`.
    static func isTypeName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count == 5 && bytes.loadUnaligned(as: UInt32.self) == UInt32(littleEndian: 0x7079_7423)  // "#typ"
            && bytes[4] == UInt8(ascii: "e")
    }

    /// Adds the value at the reader as fields named after ``name``: scalars as one field, objects
    /// flattened with dots (`a.b`), arrays with indices (`a[0]`), an empty object or array as `{}`/`[]`.
    mutating func addFlattened(_ reader: inout JSONReader, _ draft: inout EventDraft, _ batch: inout EventBatch) throws {
        let base = name.count
        if let scalar = try reader.readScalarUnlessContainer() {
            addNamedField(store(scalar, of: reader.bytes, &batch), &draft, &batch)
            return
        }
        switch try reader.peek() {
        case .object:
            try reader.beginObject()
            var empty = true
            while let member = try reader.nextMember() {
                empty = false
                if base > 0 { name.append(UInt8(ascii: ".")) }
                appendName(member, of: reader.bytes)
                try addFlattened(&reader, &draft, &batch)
                name.truncate(to: base)
            }
            if empty { addNamedField(batch.store("{}"), &draft, &batch) }
        case .array:
            try reader.beginArray()
            var index = 0
            while try reader.nextElement() {
                name.append(UInt8(ascii: "["))
                name.appendDecimal(index)
                name.append(UInt8(ascii: "]"))
                try addFlattened(&reader, &draft, &batch)
                name.truncate(to: base)
                index += 1
            }
            if index == 0 { addNamedField(batch.store("[]"), &draft, &batch) }
        default:
            // readScalarUnlessContainer read every scalar.
            try reader.skipValue()
        }
    }

    /// Whether `bytes` are `#repo`.
    static func isRepoName(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count == 5 && bytes.loadUnaligned(as: UInt32.self) == UInt32(littleEndian: 0x7065_7223)  // "#rep"
            && bytes[4] == UInt8(ascii: "o")
    }

    /// Adds a field named ``name``, noting a `#type`; a `#repo` in an event's content (``contentMembers``)
    /// is noted on the event instead of added.
    mutating func addNamedField(_ value: ByteSpan, _ draft: inout EventDraft, _ batch: inout EventBatch) {
        if name.isTypeName { draft.hasType = true }
        if contentMembers && name.count == 5 && name.withBytes({ Self.isRepoName($0) }) {
            batch.markContentRepositoryField()
            return
        }
        batch.addField(name: name.withBytes { batch.store($0) }, value: value)
    }
}
