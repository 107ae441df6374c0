import Forwarding
import Foundation
import Logging
import Testing
import Tokens

/// The shared snapshot bucket's operations (docs/fleet.md, "NATS credentials and TLS" and "Deleted keys"),
/// on a real `nats-server -js`: a bucket behind a user/password and TLS, and deleted keys purged from it.
@Suite(.serialized) struct FleetBucketTests {
    @Test func gatewaysAndTheCommandLineReachABucketBehindAUserPasswordAndTLS() throws {
        let tls = try TLSFixtures()
        let (certificate, key) = try tls.makeServerCertificate("nats")
        let password = "fleet-secret-\(UUID().uuidString.prefix(8))"
        let nats = try NATSServer(arguments: ["--user", "fleet", "--pass", password, "--tls", "--tlscert", certificate, "--tlskey", key])
        let passwordFile = tls.path("nats-password")
        try (password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let source = nats.url + "/TOKENS"
        let auth = ["--snapshot-user", "fleet", "--snapshot-password-file", passwordFile, "--snapshot-tls-ca", certificate]

        // Without credentials, or without the CA, a gateway with no cached snapshot cannot start; the refusal
        // never shows the password.
        for missing in [["--snapshot-tls-ca", certificate], ["--snapshot-user", "fleet", "--snapshot-password-file", passwordFile]] {
            let refused = try SluiceProcess.run(["serve", "--data", SluiceProcess.makeDataDirectory(), "--listen", "127.0.0.1:0",
                                                 "--snapshot-source", source] + missing)
            #expect(refused.status != 0 && refused.stderr.contains("cannot be reached"), "\(refused.stderr)")
            #expect(!refused.stderr.contains(password) && !refused.stdout.contains(password))
        }
        let userinfo = try SluiceProcess.run(["serve", "--data", SluiceProcess.makeDataDirectory(),
                                              "--snapshot-source", "nats://fleet:\(password)@127.0.0.1:\(nats.port)/TOKENS"])
        #expect(userinfo.status != 0 && userinfo.stderr.contains("not in the URL") && !userinfo.stderr.contains(password), "\(userinfo.stderr)")

        let a = try SluiceProcess(arguments: ["--snapshot-source", source] + auth)
        try a.waitForLog("shared token snapshot seeded")
        let b = try SluiceProcess(arguments: ["--snapshot-source", source] + auth)
        let root = try #require(try a.bootstrapCredentials()["apiToken"])
        let token = try AdminConcurrencyTests.addToken(a.port, root, "over-tls")
        let deadline = Date().addingTimeInterval(10)
        while try AdminConcurrencyTests.ingest(b.port, token, "line") != 200 {
            guard Date() < deadline else { throw TestFailure("B never served the token A created") }
            usleep(10_000)
        }
        // The command line edits the bucket with the same options.
        let added = try SluiceProcess.run(["tokens", "add", "--source", source, "--repo", "sandbox", "--name", "cli-over-tls"] + auth)
        #expect(added.status == 0, "\(added.stderr)")
        for server in [a, b] { #expect(!server.log.contains(password), "the password is never logged") }
    }

    @Test func deletedKeysArePurgedAndStayDeletedForWatchersAndLateJoiners() throws {
        let nats = try NATSServer()
        let source = nats.url + "/TOKENS"
        let purge = ["--snapshot-purge-after", "0.5"]
        let a = try SluiceProcess(arguments: ["--snapshot-source", source] + purge)
        try a.waitForLog("shared token snapshot seeded")
        let b = try SluiceProcess(arguments: ["--snapshot-source", source] + purge)
        let root = try #require(try a.bootstrapCredentials()["apiToken"])
        let sandboxToken = try #require(try a.bootstrapCredentials()["ingestToken"])
        let url = try #require(SnapshotSourceURL(source))
        let bucket = try KeyValueBucket(url, replicas: nil)
        defer { bucket.close() }

        func until(_ what: String, _ condition: () throws -> Bool) throws {
            let deadline = Date().addingTimeInterval(15)
            while try !condition() {
                guard Date() < deadline else { throw TestFailure(what) }
                usleep(20_000)
            }
        }
        let key = "token.sandbox.churn"
        // A writer that does not watch, so it still holds the first token's revision after the purge.
        let stale = FleetSnapshot(url: url, replicas: nil, gateway: "stale-writer", logger: Logger(label: "test"))
        defer { stale.shutdown() }
        for round in 1...3 {
            let token = try AdminConcurrencyTests.addToken(a.port, root, "churn")
            try until("round \(round): B never served the new token") { try AdminConcurrencyTests.ingest(b.port, token, "x") == 200 }
            if round == 1 { _ = try stale.connect() }
            try AdminConcurrencyTests.removeToken(b.port, root, "churn")
            // The watcher on A sees the deletion …
            try until("round \(round): A still serves the deleted token") { try AdminConcurrencyTests.ingest(a.port, token, "x") == 401 }
            // … and the bucket forgets the key once the deletion is old enough.
            try until("round \(round): the deleted key is still in the bucket") { try bucket.get(key) == nil }
            #expect(try AdminConcurrencyTests.ingest(b.port, token, "x") == 401)
            // A gateway joining now does not bring the token back.
            let late = try SluiceProcess(arguments: ["--snapshot-source", source] + purge)
            #expect(try AdminConcurrencyTests.ingest(late.port, token, "x") == 401)
            #expect(try AdminConcurrencyTests.ingest(late.port, sandboxToken, "x") == 200)
            // The cache is written off the watcher thread, at low priority: it may come a moment after serving.
            try until("round \(round): the late gateway never wrote its cache") { FileManager.default.fileExists(atPath: late.dataDirectory + "/tokens.json") }
            let cache = try String(contentsOfFile: late.dataDirectory + "/tokens.json", encoding: .utf8)
            #expect(!cache.contains("\"churn\""), "the late gateway's cache holds no deleted token")
        }
        // The stale writer's compare-and-set on the purged key conflicts; it re-reads the key, finds it gone, and
        // its edit runs on the set without the token (never writing it back).
        #expect(throws: TokenError.self) {
            try stale.edit { (snapshot) throws(TokenError) in try snapshot.removeIngestToken(repository: "sandbox", name: "churn") }
        }
        #expect(stale.conflictsTotal == 1)
        #expect(try bucket.get(key) == nil)
        // Three create/delete cycles leave nothing behind: the bucket's stream holds one message per live key.
        let stream = try StreamReader.messages(url: nats.url, stream: "KV_TOKENS")
        #expect(!stream.contains { $0.subject == "$KV.TOKENS." + key }, "\(stream.map(\.subject))")
    }
}
