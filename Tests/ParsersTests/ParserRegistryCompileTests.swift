import EventModel
import Testing
@testable import Parsers

/// Each event loop compiles the snapshot's parsers for itself: registries compiled from the same
/// definitions parse exactly alike and share no pipeline object.
struct ParserRegistryCompileTests {
    @Test(arguments: ParserRegistry.builtinNames)
    func eachCompileParsesAsTheOthers(_ name: String) throws {
        let registry = try ParserRegistry.compile([])
        let other = try ParserRegistry.compile([])
        let original = try #require(registry.pipeline(named: name))
        let copied = try #require(other.pipeline(named: name))
        #expect(copied !== original && copied.name == original.name)
        let line = #"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.0" 0.5 level=info"#
        let expected = ParsedEvent.run(original, Array(line.utf8))
        let actual = ParsedEvent.run(copied, Array(line.utf8))
        #expect(actual.fields.map(\.0) == expected.fields.map(\.0) && actual.fields.map(\.1) == expected.fields.map(\.1))
        #expect(actual.timestampMillis == expected.timestampMillis && actual.timezone == expected.timezone)
    }

    @Test func eachCompileHasItsOwnKVParser() throws {
        let registry = try ParserRegistry.compile([])
        let kv = try #require(registry.kv)
        #expect(kv === registry.pipeline(named: "kv"))
        #expect(kv !== ParserRegistry.builtins.kv)
    }

    /// One scratch serves every parse of its owner, whatever the pipeline.
    @Test func aScratchIsReusedAcrossPipelines() throws {
        let scratch = ParseScratch()
        let registry = ParserRegistry.builtins
        var batch = EventBatch()
        for (name, line) in [("kv", "a=1 b=2"), ("json", #"{"x":{"y":1}}"#), ("kv", "c=3")] {
            let pipeline = try #require(registry.pipeline(named: name))
            Array(line.utf8).withUnsafeBytes { _ = batch.beginEvent(rawstring: $0, ingestMillis: 1_795_910_400_000) }
            pipeline.parse(&batch, scratch: scratch)
        }
        #expect(batch.fields(of: 0).count == 2 && batch.fields(of: 1).count == 1 && batch.fields(of: 2).count == 1)
    }
}
