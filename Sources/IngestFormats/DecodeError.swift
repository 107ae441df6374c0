import JSONStream

/// Why a request body was refused as a whole. Thrown only when the envelope is unreadable or an event
/// breaks the format's rules; the batch is then exactly as it was before the decode. Each case knows its
/// HTTP status, its Splunk HEC code and a message that never contains request credentials.
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

    /// The HTTP status to answer with.
    public var status: Int { 400 }

    /// Splunk's HEC error code.
    public var hecCode: Int? {
        switch self {
        case .malformedJSON, .malformedEvent, .invalidEvent, .malformedBulk: 6
        case .noData: 5
        case .eventFieldRequired: 12
        case .eventFieldBlank: 13
        }
    }

    /// The HEC `invalid-event-number`, when one event is to blame.
    public var eventNumber: Int? {
        switch self {
        case .malformedEvent(let number, _, _), .eventFieldRequired(let number), .eventFieldBlank(let number),
             .invalidEvent(let number, _):
            number
        case .malformedJSON, .noData, .malformedBulk:
            nil
        }
    }

    /// A human-readable reason for the error body.
    public var message: String {
        switch self {
        case .malformedJSON(let offset, let reason): "Malformed JSON at byte \(offset): \(reason)"
        case .malformedEvent(let number, let offset, let reason): "Invalid data format: event \(number) is malformed JSON at byte \(offset): \(reason)"
        case .noData: "No data"
        case .eventFieldRequired: "Event field is required"
        case .eventFieldBlank: "Event field cannot be blank"
        case .invalidEvent(let number, let reason): "Invalid data format: event \(number): \(reason)"
        case .malformedBulk(let line, let reason): "Malformed bulk request at line \(line): \(reason)"
        }
    }

    /// The HEC answer text for ``hecCode``.
    public var hecText: String {
        switch self {
        case .noData: "No data"
        case .eventFieldRequired: "Event field is required"
        case .eventFieldBlank: "Event field cannot be blank"
        case .malformedJSON, .malformedEvent, .invalidEvent, .malformedBulk: "Invalid data format"
        }
    }

    init(_ error: JSONError, shift: Int = 0) {
        self = .malformedJSON(offset: error.offset + shift, reason: error.reasonText)
    }
}
