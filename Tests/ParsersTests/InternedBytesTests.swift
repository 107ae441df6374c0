import Testing
@testable import Parsers

@Suite struct InternedBytesTests {
    @Test func equalContentsShareOneCopy() {
        let a = InternedBytes(Array("status".utf8))
        let b = InternedBytes(Array("status".utf8))
        #expect(a.buffer.baseAddress == b.buffer.baseAddress)
        #expect(a == b)
        #expect(Array(a.buffer) == Array("status".utf8))
    }

    @Test func differentContentsDiffer() {
        let names = ["", "a", "ab", "b", "@rawstring", "#type", "status", "statu"].map { InternedBytes(Array($0.utf8)) }
        for (i, x) in names.enumerated() {
            for (j, y) in names.enumerated() { #expect((x == y) == (i == j), "\(i) \(j)") }
        }
        #expect(names[0].count == 0)
    }

    @Test func fieldNamesCompareByContent() {
        #expect(FieldName("host") == FieldName(bytes: Array("host".utf8)))
        #expect(FieldName("host") != FieldName("#host"))
        #expect(FieldName("@rawstring").isRawstring)
        #expect(FieldName("host").text == "host")
    }

    @Test func internsFromManyThreadsAtOnce() async {
        let bases = await withTaskGroup(of: [UInt].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<200).map { UInt(bitPattern: InternedBytes(Array("name\($0)".utf8)).buffer.baseAddress) } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(bases.map { $0 }).count == 1, "every thread got the same copies")
    }
}
