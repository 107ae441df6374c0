import EventModel
import Testing
@testable import Parsers

/// Private copies (``ParserPipeline/privateCopy()``, ``ParserRegistry/privateCopy()``) parse exactly as the
/// originals and share no pipeline object with them.
struct PrivateCopyTests {
    @Test(arguments: ParserRegistry.builtinNames)
    func copiesParseAsTheOriginals(_ name: String) throws {
        let registry = ParserRegistry.builtins
        let copy = registry.privateCopy()
        let original = try #require(registry.pipeline(named: name))
        let copied = try #require(copy.pipeline(named: name))
        #expect(copied !== original && copied.name == original.name)
        let line = #"1.2.3.4 - - [15/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.0" 0.5 level=info"#
        let expected = ParsedEvent.run(original, Array(line.utf8))
        let actual = ParsedEvent.run(copied, Array(line.utf8))
        #expect(actual.fields.map(\.0) == expected.fields.map(\.0) && actual.fields.map(\.1) == expected.fields.map(\.1))
        #expect(actual.timestampMillis == expected.timestampMillis && actual.timezone == expected.timezone)
    }

    @Test func registryCopyKeepsItsKVParser() throws {
        let copy = ParserRegistry.builtins.privateCopy()
        let kv = try #require(copy.kv)
        #expect(kv === copy.pipeline(named: "kv"))
        #expect(kv !== ParserRegistry.builtins.kv)
    }
}
