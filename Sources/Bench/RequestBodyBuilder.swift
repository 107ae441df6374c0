import JSONStream

/// Builds one request body of `batch` generated lines in the shape of an ingest format.
///
/// Guarantees: the body is well-formed for its format (JSON strings escaped, NDJSON lines terminated), holds
/// exactly `batch` lines, and ``BenchFormat/events(forLines:)`` of them are what the server will count.
public struct RequestBodyBuilder: Sendable {
    public let format: BenchFormat
    public let batch: Int

    public init(format: BenchFormat, batch: Int) {
        precondition(batch >= 1)
        self.format = format
        self.batch = batch
    }

    public func build(_ generator: inout PayloadGenerator) -> [UInt8] {
        var body: [UInt8] = []
        var line: [UInt8] = []
        switch format {
        case .structured:
            append(#"[{"tags":{"source":"sluice-bench"},"events":["#, &body)
            for i in 0..<batch {
                if i > 0 { body.append(0x2C) }
                nextLine(&generator, &line)
                append(#"{"timestamp":""#, &body)
                generator.appendTimestamp(to: &body)
                append(#"","rawstring":"#, &body)
                appendJSONString(line, &body)
                body.append(0x7D)
            }
            append("]}]", &body)
        case .unstructured:
            append(#"[{"fields":{"source":"sluice-bench"},"messages":["#, &body)
            for i in 0..<batch {
                if i > 0 { body.append(0x2C) }
                nextLine(&generator, &line)
                appendJSONString(line, &body)
            }
            append("]}]", &body)
        case .json:
            body.append(0x5B)
            for i in 0..<batch {
                if i > 0 { body.append(0x2C) }
                nextLine(&generator, &line)
                append(#"{"@timestamp":""#, &body)
                generator.appendTimestamp(to: &body)
                append(#"","source":"sluice-bench","message":"#, &body)
                appendJSONString(line, &body)
                body.append(0x7D)
            }
            body.append(0x5D)
        case .raw, .hecRaw:
            for i in 0..<batch {
                if i > 0 { body.append(0x0A) }
                nextLine(&generator, &line)
                body.append(contentsOf: line)
            }
        case .hec:
            for _ in 0..<batch {
                nextLine(&generator, &line)
                append(#"{"time":"#, &body)
                generator.appendEpochSeconds(to: &body)
                append(#","sourcetype":"sluice-bench","event":"#, &body)
                appendJSONString(line, &body)
                body.append(0x7D)
            }
        case .bulk:
            for _ in 0..<batch {
                nextLine(&generator, &line)
                append(#"{"index":{}}"#, &body)
                body.append(0x0A)
                append(#"{"@timestamp":""#, &body)
                generator.appendTimestamp(to: &body)
                append(#"","message":"#, &body)
                appendJSONString(line, &body)
                body.append(0x7D)
                body.append(0x0A)
            }
        }
        return body
    }

    private func nextLine(_ generator: inout PayloadGenerator, _ line: inout [UInt8]) {
        line.removeAll(keepingCapacity: true)
        generator.appendLine(to: &line)
    }

    private func append(_ text: String, _ out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    /// Appends `bytes` as a JSON string literal (``JSONStringWriter``).
    public static func appendJSONString(_ bytes: [UInt8], _ out: inout [UInt8]) {
        bytes.withUnsafeBytes { JSONStringWriter.append($0, to: &out) }
    }

    private func appendJSONString(_ bytes: [UInt8], _ out: inout [UInt8]) {
        Self.appendJSONString(bytes, &out)
    }
}
