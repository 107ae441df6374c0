import Testing
import Tokens
#if canImport(Glibc)
import Glibc
#endif
@testable import Admin

/// A failed snapshot file operation reaches the caller as what happened, never as the server's path or errno.
@Suite struct AdminErrorTests {
    @Test func fileFailuresSayWhatHappenedWithoutThePath() {
        let cases: [(TokenError, String)] = [
            (.system(file: "/srv/sluice-data/tokens.json.tmp-12", operation: "write", errno: ENOSPC), "the snapshot could not be written: disk full"),
            (.system(file: "/srv/sluice-data/tokens.json", operation: "rename", errno: EIO), "the snapshot could not be written"),
            (.system(file: "/srv/sluice-data/tokens.json", operation: "read", errno: EIO), "the snapshot could not be read"),
            (.invalidSnapshot(file: "/srv/sluice-data/tokens.json", path: "$.users[0]", reason: "bad"), "the change would make the snapshot invalid: $.users[0]: bad"),
        ]
        for (error, expected) in cases {
            let text = AdminError.token(error).description
            #expect(text == expected)
            #expect(!text.contains("/srv") && !text.contains("errno"))
        }
        #expect(AdminError.token(.notFound("repository 'x' does not exist")).description == "repository 'x' does not exist")
    }
}
