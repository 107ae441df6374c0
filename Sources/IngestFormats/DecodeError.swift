import JSONStream

/// Why a request body was refused as a whole. Thrown only when the envelope is unreadable or an event
/// breaks the format's rules; the batch is then exactly as it was before the decode. Each case carries what
/// the answer needs to say where and why (never request credentials); the gateway decides the answer.
public enum DecodeError: Error, Sendable, Equatable {
    /// The body is not valid JSON (or nests deeper than the limit); `offset` is the byte where it breaks.
    case malformedJSON(offset: Int, reason: String)
    /// An HEC body whose event number `eventNumber` (0-based) is not valid JSON.
    case malformedEvent(eventNumber: Int, offset: Int, reason: String)
    /// The body holds no event.
    case noData
    /// An HEC event without `event`.
    case eventFieldRequired(eventNumber: Int)
    /// An HEC event whose `event` is empty or null.
    case eventFieldBlank(eventNumber: Int)
    /// Valid JSON of the wrong shape: a member of the wrong type, a non-object event.
    case invalidEvent(eventNumber: Int, reason: String)
    /// A bulk action line naming no known action, or an action without its source line.
    case malformedBulk(line: Int, reason: String)

    /// The event to blame (0-based), when one is.
    public var eventNumber: Int? {
        switch self {
        case .malformedEvent(let number, _, _), .eventFieldRequired(let number), .eventFieldBlank(let number),
             .invalidEvent(let number, _):
            number
        case .malformedJSON, .noData, .malformedBulk:
            nil
        }
    }

    init(_ error: JSONError, shift: Int = 0) {
        self = .malformedJSON(offset: error.offset + shift, reason: error.reasonText)
    }
}
