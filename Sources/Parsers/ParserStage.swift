import EventModel

/// Where a stage reads its text: the event's `@rawstring` or a field's value.
enum FieldSource: Sendable {
    case rawstring
    case field(FieldName)

    init(_ name: String?) {
        if let name, name != "@rawstring" { self = .field(FieldName(name)) } else { self = .rawstring }
    }
}

/// Where the `kv` built-ins find the event's time.
enum LeadingTimestamp: Sendable {
    case none
    case iso8601
    case epochMillis
}

/// One compiled step of a pipeline. `run` returns nil on success or the reason the event gets in
/// `@error_msg`.
indirect enum ParserStage: Sendable {
    case keyValue(KeyValueScanner, source: FieldSource, leading: LeadingTimestamp)
    case json(source: FieldSource, setTimestamp: Bool)
    case accessLog
    case syslog(SyslogParser)
    case regex(RegexProgram, source: FieldSource)
    case parseTimestamp(TimestampFormat, source: FieldSource, zoneName: [UInt8])
    case findTimestamp(source: FieldSource, zone: TimeZoneRules)
    case tag(from: [FieldName], to: [FieldName])
    case drop([FieldName])
    case rename(from: FieldName, to: FieldName)
    case set(FieldName, value: [UInt8])
    /// Always fails with the reason (an unknown parser name).
    case fail(StaticString)

    func run(_ batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        switch self {
        case .keyValue(let scanner, let source, let leading):
            return Self.runKeyValue(scanner, source: source, leading: leading, &batch, scratch: scratch)
        case .json(let source, let setTimestamp):
            guard let input = Self.load(source, batch, scratch) else { return "parseJson: field not found" }
            return JSONFlattener.parse(input, setTimestamp: setTimestamp, into: &batch, scratch: scratch)
        case .accessLog:
            return Self.runAccessLog(&batch, scratch: scratch)
        case .syslog(let parser):
            return Self.runSyslog(parser, &batch, scratch: scratch)
        case .regex(let program, let source):
            guard let input = Self.load(source, batch, scratch) else { return "regex: field not found" }
            switch program.run(input, into: &batch, scratch: scratch) {
            case .matched: return nil
            case .noMatch: return "regex: no match"
            case .limitExceeded: return "regex: match limit exceeded"
            case .failed: return "regex: match failed"
            }
        case .parseTimestamp(let format, let source, let zoneName):
            guard let input = Self.load(source, batch, scratch) else { return "parseTimestamp: field not found" }
            guard let t = format.parse(input.bytes, referenceMillis: batch.lastEvent.ingestMillis) else {
                return "parseTimestamp: could not parse timestamp"
            }
            batch.setTimestamp(millis: t.millis, nanos: t.nanos)
            if t.zoneCount > 0 {
                batch.setTimezone(input.span(t.zoneStart, t.zoneStart + t.zoneCount))
            } else if !zoneName.isEmpty {
                batch.setTimezone(zoneName.withUnsafeBytes { batch.store($0) })
            }
            return nil
        case .findTimestamp(let source, let zone):
            guard let input = Self.load(source, batch, scratch) else { return "findTimestamp: field not found" }
            guard let t = TimestampParser.find(input.bytes, referenceMillis: batch.lastEvent.ingestMillis, zone: zone) else {
                return "findTimestamp: no timestamp found"
            }
            batch.setTimestamp(millis: t.millis, nanos: t.nanos)
            if t.zoneCount > 0 { batch.setTimezone(input.span(t.zoneStart, t.zoneStart + t.zoneCount)) }
            return nil
        case .tag(let from, let to):
            // By index: iterating the arrays copied (retained) them and each name.
            for index in from.indices {
                guard let fieldIndex = batch.lastFieldIndex(named: from[index]) else { continue }
                var field = batch.fields[fieldIndex]
                field.name = batch.store(to[index].bytes.buffer)
                batch.setField(at: fieldIndex, field)
            }
            return nil
        case .drop(let names):
            for index in names.indices {
                let name = names[index].bytes.buffer
                while let fieldIndex = batch.lastFieldIndex(named: name) { batch.removeField(at: fieldIndex) }
            }
            return nil
        case .rename(let from, let to):
            guard from != to, batch.lastFieldIndex(named: from) != nil else { return nil }
            while let existing = batch.lastFieldIndex(named: to) { batch.removeField(at: existing) }
            guard let index = batch.lastFieldIndex(named: from) else { return nil }
            var field = batch.fields[index]
            field.name = batch.store(to.bytes.buffer)
            batch.setField(at: index, field)
            return nil
        case .fail(let reason):
            return reason
        case .set(let name, let value):
            let span = value.withUnsafeBytes { batch.store($0) }
            if let index = batch.lastFieldIndex(named: name) {
                var field = batch.fields[index]
                field.value = span
                batch.setField(at: index, field)
            } else {
                batch.addField(name, value: span)
            }
            return nil
        }
    }

    /// The `kv` stage: an optional leading timestamp, then the pairs.
    static func runKeyValue(_ scanner: KeyValueScanner, source: FieldSource, leading: LeadingTimestamp,
                            _ batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        guard let input = load(source, batch, scratch) else { return "kvParse: field not found" }
        var start = 0
        while start < input.count, KeyValueScanner.isSpace(input[start]) { start += 1 }
        switch leading {
        case .none: break
        case .iso8601:
            if let t = TimestampParser.iso8601(input.bytes, from: start) {
                batch.setTimestamp(millis: t.millis, nanos: t.nanos)
                if t.zoneCount > 0 { batch.setTimezone(input.span(t.zoneStart, t.zoneStart + t.zoneCount)) }
                start = t.end
            }
        case .epochMillis:
            if let t = TimestampParser.epoch(input.bytes, from: start, unit: .milliseconds),
               t.end == input.count || KeyValueScanner.isSpace(input[t.end]) {
                batch.setTimestamp(millis: t.millis, nanos: t.nanos)
                start = t.end
            }
        }
        scanner.scan(input, from: start, into: &batch)
        return nil
    }

    /// The `syslog` stage (``StageList`` runs it through an unretained reference).
    static func runSyslog(_ parser: SyslogParser, _ batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        guard let input = load(.rawstring, batch, scratch) else { return "syslog: no input" }
        return parser.parse(input, into: &batch, scratch: scratch)
    }

    /// The `accesslog` stage (it has no payload, so ``StageList`` runs it without touching the stage).
    static func runAccessLog(_ batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        // The names first: storing them may move the arena the line is then read in.
        let names = scratch.interned(AccessLogParser.names, in: &batch)
        return AccessLogParser.parse(&batch, names: names)
    }

    /// Copies the source's bytes into scratch; nil when the field does not exist.
    static func load(_ source: FieldSource, _ batch: EventBatch, _ scratch: ParseScratch) -> StageInput? {
        let span: ByteSpan
        switch source {
        case .rawstring:
            span = batch.lastEvent.rawstring
        case .field(let name):
            guard let index = batch.lastFieldIndex(named: name) else { return nil }
            span = batch.fields[index].value
        }
        let bytes = batch.withBytes(span) { scratch.load($0) }
        return StageInput(bytes: bytes, arenaOffset: Int(span.start))
    }
}
