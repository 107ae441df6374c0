import Foundation
import Logging
import Synchronization
import Testing
import EventLoop
import EventModel
import Tokens
import WAL
@testable import Gateway

/// Each loop's view of the tokens: posted through the loop's mailbox at every install, and installed by
/// every running loop before the install returns.
@Suite struct LoopViewTests {
    /// A fresh data folder with the first-start snapshot, and a store serving it.
    static func store() throws -> (TokenStore, String) {
        var template = Array((NSTemporaryDirectory() + "/sluice-views-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        let path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        _ = try TokenStore.bootstrap(dataDirectory: path)
        return (try TokenStore(dataDirectory: path, logger: Logger(label: "test")), path)
    }

    @Test func everyLoopHasTheEditsViewWhenTheEditReturns() throws {
        let (tokens, path) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let views = LoopViews(following: tokens)
        let loops = try (0..<2).map { try EventLoop(index: $0) }
        let seen = Mutex<[Int: Set<String>]>([:])
        for loop in loops {
            let first = views.register(loop: loop) { view in
                seen.withLock { $0[loop.index] = Set(view.repositories.keys) }
            }
            #expect(first.repositories["sandbox"] != nil)
        }
        let threads = loops.map { loop in Thread { loop.run() } }
        threads.forEach { $0.start() }
        for round in 0..<20 {
            try tokens.edit { (snapshot: inout Snapshot) throws(TokenError) in
                try snapshot.addRepository(name: "extra-\(round)")
            }
            let views = seen.withLock { $0 }
            for loop in loops {
                #expect(views[loop.index]?.contains("extra-\(round)") == true, "loop \(loop.index), round \(round)")
            }
        }
        for loop in loops { loop.requestShutdown(graceMillis: 0) }
        while threads.contains(where: { !$0.isFinished }) { usleep(1_000) }
        views.close()
        // The loops have exited: an install no longer waits for them.
        try tokens.edit { (snapshot: inout Snapshot) throws(TokenError) in try snapshot.addRepository(name: "after") }
    }

    /// A loop's own scopes and parsers: equal to the store's, but objects only that loop holds.
    @Test func aViewCompilesItsOwnParsersAndScopes() throws {
        let (tokens, path) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let generation = Mutex<TokenGeneration?>(nil)
        _ = tokens.observeInstalls { installed in generation.withLock { $0 = installed } }
        let token = try tokens.edit { (snapshot: inout Snapshot) throws(TokenError) -> String in
            try snapshot.addIngestToken(repository: "sandbox", name: "parsed", parser: "accesslog")
        }
        let installed = try #require(generation.withLock { $0 })
        let first = LoopView(installed), second = LoopView(installed)
        let kv = try #require(first.parsers.pipeline(named: "kv"))
        #expect(kv !== second.parsers.pipeline(named: "kv") && kv !== tokens.parsers.pipeline(named: "kv"))
        let shared = try #require(Array(token.utf8).withUnsafeBytes { tokens.lookup($0) })
        let own = try #require(first.scopes.localize(shared))
        #expect(own.parser === first.parsers.pipeline(named: "accesslog") && own.metricLabel == "sandbox/parsed")
        #expect(second.scopes.localize(shared)?.parser === second.parsers.pipeline(named: "accesslog"))
    }

    /// A loop's view maps each of its generation's repositories whose log the WAL store has open to that log;
    /// a log opened later is opened through the store (the same object) and kept in the loop's map; a deleted
    /// repository leaves the next view, and its name, created again, gets the store's new log.
    @Test func aViewMapsTheStoresOpenLogsOfItsRepositories() throws {
        let (tokens, path) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let wal = try WALStore(options: WALOptions(dataDirectory: path), logger: Logger(label: "test"))
        defer { wal.shutdown() }
        try tokens.edit { (snapshot: inout Snapshot) throws(TokenError) in
            try snapshot.addRepository(name: "opened")
            try snapshot.addRepository(name: "lazy")
        }
        let opened = try wal.log(for: "opened")
        _ = try wal.log(for: "not-in-the-snapshot")
        let views = LoopViews(following: tokens, wal: wal)
        let loop = try EventLoop(index: 0)
        let installed = Mutex<LoopView?>(nil)
        var view = views.register(loop: loop) { view in installed.withLock { $0 = view } }
        #expect(view.logs.existing("opened").map { $0 == Unretained(opened) } == true)
        #expect(view.logs.existing("lazy") == nil && view.logs.existing("not-in-the-snapshot") == nil)
        let lazy = try view.logs.log(for: "lazy", opening: wal)
        let lazyInStore = try wal.log(for: "lazy")
        #expect(lazy == Unretained(lazyInStore) && view.logs.existing("lazy") == lazy)

        let thread = Thread { loop.run() }
        thread.start()
        defer {
            loop.requestShutdown(graceMillis: 0)
            while !thread.isFinished { usleep(1_000) }
            views.close()
        }
        try tokens.edit { (snapshot: inout Snapshot) throws(TokenError) in try snapshot.removeRepository(name: "opened") }
        wal.close(repository: "opened")
        let afterDelete = try #require(installed.withLock { $0 })
        #expect(afterDelete.logs.existing("opened") == nil && afterDelete.logs.existing("lazy") == lazy)
        try tokens.edit { (snapshot: inout Snapshot) throws(TokenError) in try snapshot.addRepository(name: "opened") }
        view = try #require(installed.withLock { $0 })
        #expect(view.logs.existing("opened") == nil, "the closed log is gone from the store, so from the view")
        let reopened = try view.logs.log(for: "opened", opening: wal)
        let reopenedInStore = try wal.log(for: "opened")
        #expect(reopened != Unretained(opened) && reopened == Unretained(reopenedInStore))
    }
}
