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
