// libFuzzer target: custom pipelines (regex with the match limit, kvParse with a multi-byte separator
// and override, parseJson on a field, parseTimestamp with patterns and zones, findTimestamp, tag, rename,
// drop, set) on arbitrary bytes. The first byte picks the pipeline. Run with `perf/fuzz.sh CustomPipeline <seconds>`.
@testable import Parsers
private let pipelines: [ParserPipeline] = {
    let definitions: [[StageDefinition]] = [
        [StageDefinition(op: "regex", pattern: #"^(?<ts>\S+) (?<level>\w+) (?<rest>.*)$"#),
         StageDefinition(op: "parseTimestamp", field: "ts"),
         StageDefinition(op: "kvParse", field: "rest", separator: ":", override: true),
         StageDefinition(op: "tag", fields: ["level"])],
        [StageDefinition(op: "regex", pattern: "(?<a>(x+x+)+y)"), StageDefinition(op: "rename", from: "a", to: "b")],
        [StageDefinition(op: "kvParse", separator: "=>"), StageDefinition(op: "parseJson", field: "j"),
         StageDefinition(op: "drop", fields: ["j"]), StageDefinition(op: "set", field: "s", value: "v")],
        [StageDefinition(op: "findTimestamp", timezone: "America/New_York")],
        [StageDefinition(op: "parseTimestamp", field: "@rawstring", format: "EEE, dd MMM yyyy HH:mm:ss[.SSS] [Z]", timezone: "Europe/Berlin")],
        [StageDefinition(op: "parseTimestamp", field: "@rawstring", format: "yy-M-d h:m:s a['Z']")],
        [StageDefinition(op: "parseTimestamp", field: "@rawstring", format: "seconds")],
        [StageDefinition(op: "parseJson"), StageDefinition(op: "parseTimestamp", field: "t", format: "millis")],
    ]
    let registry = try! ParserRegistry.compile(definitions.enumerated().map { CustomParserDefinition(name: "p\($0.offset)", stages: $0.element) })
    return definitions.indices.map { registry.pipeline(named: "p\($0)")! }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    ParsersFuzz.check(pipelines[Int(data[0]) % pipelines.count], data + 1, size - 1)
    return 0
}

/// Compiles the pipelines before fuzzing starts, so their one-time allocations are not charged to an input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    _ = pipelines.count
    return 0
}
