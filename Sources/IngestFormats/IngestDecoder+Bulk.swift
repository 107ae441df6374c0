#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EventModel
import JSONStream

/// Elasticsearch `_bulk`: NDJSON lines, each action line (`{"index":{..}}`, `create`, `delete`, `update`)
/// followed by a source line for all but `delete`. `index` and `create` store the source object as an
/// event (members as fields, `@timestamp` as the time, the line as `@rawstring`, `_index` or the path's
/// index as `#repo`; an empty `_index` is not sent; a source's own `#repo` is content, not a field);
/// `delete` and `update` are refused per item (an `update`'s body line is consumed);
/// a source that is valid JSON but not an object is refused per item. Blank lines are skipped. Malformed
/// JSON, an unknown action or an action missing its source line refuse the whole request.
extension IngestDecoder {
    mutating func decodeBulk(_ body: UnsafeRawBufferPointer, _ context: DecodeContext, _ batch: inout EventBatch) throws {
        var lines = LineCursor(body: body)
        while let action = lines.next() {
            let line = lines.number
            let (kind, index) = try readBulkAction(action, line: line, body, context, &batch)
            switch kind {
            case .delete:
                bulkOutcomes.append(.refused(action: .delete, status: 400, type: "illegal_argument_exception",
                                             reason: "delete is not supported by this ingest endpoint"))
                continue
            case .index, .create, .update:
                break
            }
            guard let source = lines.next() else {
                throw DecodeError.malformedBulk(line: line, reason: "the \(kind.name) action has no source line")
            }
            var reader = JSONReader(lines.bytes(source), maxDepth: context.limits.maxDepth)
            do {
                if kind == .update {
                    try reader.skipValue()
                    try reader.finish()
                    bulkOutcomes.append(.refused(action: .update, status: 400, type: "illegal_argument_exception",
                                                 reason: "update is not supported by this ingest endpoint"))
                } else if try reader.peek() != .object {
                    try reader.skipValue()
                    try reader.finish()
                    bulkOutcomes.append(.refused(action: kind, status: 400, type: "mapper_parsing_exception",
                                                 reason: "the source must be a JSON object"))
                } else {
                    try bulkEvent(&reader, index: index, source: source, lines, context, &batch)
                    bulkOutcomes.append(.created(action: kind))
                }
            } catch let error as JSONError {
                throw DecodeError(error, shift: source.lowerBound)
            }
        }
        if bulkOutcomes.isEmpty { throw DecodeError.noData }
    }

    /// Reads an action line: its action and the `_index` it names (stored in the arena), if any.
    mutating func readBulkAction(_ range: Range<Int>, line: Int, _ body: UnsafeRawBufferPointer,
                                 _ context: DecodeContext, _ batch: inout EventBatch) throws -> (BulkAction, ByteSpan?) {
        var reader = JSONReader(UnsafeRawBufferPointer(rebasing: body[range]), maxDepth: context.limits.maxDepth)
        do {
            if try reader.peek() != .object {
                throw DecodeError.malformedBulk(line: line, reason: "an action line must be a JSON object")
            }
            try reader.beginObject()
            guard let name = try reader.nextMember() else {
                throw DecodeError.malformedBulk(line: line, reason: "the action line names no action")
            }
            let action: BulkAction
            if Self.isName(name, "index", reader.bytes) { action = .index }
            else if Self.isName(name, "create", reader.bytes) { action = .create }
            else if Self.isName(name, "delete", reader.bytes) { action = .delete }
            else if Self.isName(name, "update", reader.bytes) { action = .update }
            else {
                throw DecodeError.malformedBulk(line: line, reason: "unknown action; expected create, delete, index or update")
            }
            var index: ByteSpan? = nil
            if try reader.peek() != .object {
                throw DecodeError.malformedBulk(line: line, reason: "the action's metadata must be an object")
            }
            try reader.beginObject()
            while let member = try reader.nextMember() {
                if Self.isName(member, "_index", reader.bytes), try reader.peek() == .string {
                    // An empty `_index` counts as not sent: the path's index (or none) applies.
                    let named = store(try reader.readString(), of: reader.bytes, &batch)
                    index = named.count > 0 ? named : nil
                } else {
                    try reader.skipValue()
                }
            }
            if try reader.nextMember() != nil {
                throw DecodeError.malformedBulk(line: line, reason: "an action line must name exactly one action")
            }
            try reader.finish()
            return (action, index)
        } catch let error as JSONError {
            throw DecodeError(error, shift: range.lowerBound)
        }
    }

    mutating func bulkEvent(_ reader: inout JSONReader, index: ByteSpan?, source: Range<Int>, _ lines: LineCursor,
                            _ context: DecodeContext, _ batch: inout EventBatch) throws {
        var draft = beginEvent(context, &batch)
        // The source is the event's content; only the action's `_index` (or the path's) names a repository.
        contentMembers = true
        defer { contentMembers = false }
        try readObjectEvent(&reader, &draft, eventNumber: bulkOutcomes.count, &batch)
        try reader.finish()
        batch.setRawstring(batch.store(lines.bytes(source)))
        let indexField: StaticString = context.bulkIndexNamesRepository ? "#repo" : "#index"
        if let index {
            batch.addField(name: batch.store(indexField), value: index)
        } else if !context.bulkDefaultIndex.isEmpty {
            batch.addField(name: batch.store(indexField), value: batch.store(bytes: context.bulkDefaultIndex))
        }
        let parser: ParserChoice = tokenChoice
        finishEvent(&draft, parser: parser, context, &batch)
    }
}

/// Walks the non-blank lines of an NDJSON body (`\n` separated, a trailing `\r` dropped).
struct LineCursor {
    let body: UnsafeRawBufferPointer
    var position = 0
    /// The 1-based number of the line last returned.
    var number = 0

    init(body: UnsafeRawBufferPointer) {
        self.body = body
    }

    mutating func next() -> Range<Int>? {
        while position < body.count {
            let start = position
            // libc's vectorised memchr: a byte loop here is a large part of decoding a bulk body.
            let end = memchr(body.baseAddress! + start, 0x0A, body.count - start)
                .map { UnsafeRawPointer($0) - body.baseAddress! } ?? body.count
            position = end + 1
            number += 1
            var trimmed = end
            while trimmed > start, body[trimmed - 1] == 0x0D || body[trimmed - 1] == 0x20 || body[trimmed - 1] == 0x09 { trimmed -= 1 }
            var first = start
            while first < trimmed, body[first] == 0x20 || body[first] == 0x09 { first += 1 }
            if first < trimmed { return start..<trimmed }
        }
        return nil
    }

    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: body[range])
    }
}
