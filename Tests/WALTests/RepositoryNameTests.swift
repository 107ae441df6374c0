import Testing
@testable import WAL

struct RepositoryNameTests {
    @Test(arguments: [
        ("logs", "logs"),
        ("my.repo-1_x", "my.repo-1_x"),
        ("../x", "%2E.%2Fx"),
        ("a/b", "a%2Fb"),
        (".", "%2E"),
        ("..", "%2E."),
        ("café", "caf%C3%A9"),
        ("日志", "%E6%97%A5%E5%BF%97"),
        ("a b%", "a%20b%25"),
    ])
    func escapes(_ name: String, _ folder: String) {
        #expect(RepositoryName.escape(name) == folder)
        #expect(RepositoryName.unescape(folder) == name)
    }

    @Test(arguments: ["", String(repeating: "/", count: 81), String(repeating: "x", count: 241)])
    func refusesNamesThatCannotBeFolders(_ name: String) {
        #expect(RepositoryName.escape(name) == nil)
    }

    @Test(arguments: ["%2", "%zz", "a/b", ".hidden", "%41"])
    func refusesFoldersThatAreNotEscapedNames(_ folder: String) {
        #expect(RepositoryName.unescape(folder) == nil)
    }

    @Test(arguments: ["../x", "a/b", "..", "/etc/passwd", "x/../../y", "\u{0}"])
    func escapedNamesStayInTheirFolder(_ name: String) throws {
        let folder = try #require(RepositoryName.escape(name))
        #expect(!folder.contains("/"))
        #expect(!folder.hasPrefix("."))
    }
}
