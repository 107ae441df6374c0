import EventModel

/// LogScale `raw` (the whole body is one event) and HEC raw (one event per line, `\n`, `\r\n` or `\r`,
/// empty lines skipped). The text is kept as `@rawstring` (ill-formed UTF-8 replaced by U+FFFD). The
/// token's parser runs; without one, LogScale `raw` runs none (time = ingest time) and HEC raw runs `kv`,
/// so a line gets the fields and time it gets as a HEC `event` string or through `humio-unstructured`.
extension IngestDecoder {
    mutating func decodeRaw(_ body: UnsafeRawBufferPointer, _ context: DecodeContext, _ batch: inout EventBatch) throws {
        guard !body.isEmpty else { throw DecodeError.noData }
        addTextEvent(body, parser: tokenChoice, context, &batch)
    }

    mutating func decodeHECRaw(_ body: UnsafeRawBufferPointer, _ context: DecodeContext, _ batch: inout EventBatch) throws {
        var lineStart = 0
        var index = 0
        var any = false
        let parser: ParserChoice
        if case .pipeline = tokenChoice { parser = tokenChoice } else { parser = kvChoice }
        while index < body.count {
            let byte = body[index]
            guard byte == 0x0A || byte == 0x0D else {
                index += 1
                continue
            }
            if index > lineStart {
                addTextEvent(UnsafeRawBufferPointer(rebasing: body[lineStart..<index]), parser: parser, context, &batch)
                any = true
            }
            index += byte == 0x0D && index + 1 < body.count && body[index + 1] == 0x0A ? 2 : 1
            lineStart = index
        }
        if body.count > lineStart {
            addTextEvent(UnsafeRawBufferPointer(rebasing: body[lineStart...]), parser: parser, context, &batch)
            any = true
        }
        if !any { throw DecodeError.noData }
    }

    mutating func addTextEvent(_ text: UnsafeRawBufferPointer, parser: ParserChoice, _ context: DecodeContext,
                               _ batch: inout EventBatch) {
        var draft = beginEvent(context, &batch)
        batch.setRawstring(UTF8Text.store(text, &batch))
        finishEvent(&draft, parser: parser, context, &batch)
    }
}
