import EventModel
import JSONStream

/// The two LogScale envelopes made of groups: `humio-structured` and `humio-unstructured`.
enum LogScaleEnvelope {
    case structured, unstructured
}

extension IngestDecoder {
    /// Where a group member sits in the body: its value's offset and the depth around it.
    struct MemberPlace {
        var offset: Int
        var depth: Int

        /// A reader positioned at the member's value again, with the depth left at that point.
        func reader(in body: UnsafeRawBufferPointer, _ limits: DecodeLimits) -> JSONReader {
            JSONReader(body, from: offset, maxDepth: limits.maxDepth - depth)
        }
    }

    /// Refuses the event unless the next value is an object (`what` names it in the message).
    @inline(__always)
    static func expectObject(_ reader: inout JSONReader, eventNumber: Int, _ what: StaticString) throws {
        let kind = try reader.peek()
        guard kind == .object else { throw notAnObject(kind, eventNumber: eventNumber, what) }
    }

    @inline(never)
    static func notAnObject(_ kind: JSONKind, eventNumber: Int, _ what: StaticString) -> DecodeError {
        DecodeError.invalidEvent(eventNumber: eventNumber, reason: "\(what) must be an object, found \(kind)")
    }

    /// Opens the object or array a member holds: true when opened, false for null (nothing to read);
    /// any other kind refuses the event ("`what` must be an object/array, found …"). The expected kind is
    /// opened inline; null and the errors go out of line, so the common case costs no call per structured event.
    @inline(__always)
    static func open(_ container: JSONKind, _ reader: inout JSONReader, eventNumber: Int,
                     _ what: @autoclosure () -> String) throws -> Bool {
        guard try reader.peek() == container else { return try openOther(container, &reader, eventNumber: eventNumber, what()) }
        if container == .object { try reader.beginObject() } else { try reader.beginArray() }
        return true
    }

    /// ``open(_:_:eventNumber:_:)`` when the next value is not `container`: null (false) or an error.
    @inline(never)
    static func openOther(_ container: JSONKind, _ reader: inout JSONReader, eventNumber: Int, _ what: String) throws -> Bool {
        let kind = try reader.peek()
        guard kind == .null else {
            let article = container == .object ? "an object" : "an array"
            throw DecodeError.invalidEvent(eventNumber: eventNumber, reason: "\(what) must be \(article), found \(kind)")
        }
        try reader.readNull()
        return false
    }

    /// Reads an array of groups, or a single group object without the array, handing each group to the
    /// envelope's group reader; anything else is refused as a whole.
    mutating func decodeGroups(_ envelope: LogScaleEnvelope, _ body: UnsafeRawBufferPointer, _ context: DecodeContext,
                               _ batch: inout EventBatch) throws {
        var reader = JSONReader(body, maxDepth: context.limits.maxDepth)
        if reader.isAtEnd() { throw DecodeError.noData }
        var eventNumber = 0
        func group() throws {
            switch envelope {
            case .structured: try structuredGroup(&reader, body, &eventNumber, context, &batch)
            case .unstructured: try unstructuredGroup(&reader, body, &eventNumber, context, &batch)
            }
        }
        switch try reader.peek() {
        case .array:
            try reader.beginArray()
            while try reader.nextElement() { try group() }
        case .object:
            try group()
        case let kind:
            throw DecodeError.invalidEvent(eventNumber: 0, reason: "expected an array of groups, found \(kind)")
        }
        try reader.finish()
    }
}
