import Forwarding
import Foundation
import Testing

struct NATSSessionTests {
    func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "sluice-secret-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func secretsComeFromAFileOrTheEnvironmentAndNeverShowInTheDescription() throws {
        let passwordFile = try file("pa55word\nignored\n")
        defer { unlink(passwordFile) }
        let fromFile = try NATSCredentials.resolve(user: "fleet", passwordFile: passwordFile, tokenFile: nil, credsFile: nil, tlsCA: nil,
                                                   environment: ["SLUICE_SNAPSHOT_PASSWORD": "other"])
        #expect(fromFile.user == "fleet" && fromFile.password == "pa55word", "the file wins over the environment")
        let fromEnvironment = try NATSCredentials.resolve(user: "fleet", passwordFile: nil, tokenFile: nil, credsFile: nil, tlsCA: nil,
                                                          environment: ["SLUICE_SNAPSHOT_PASSWORD": "env-pass"])
        #expect(fromEnvironment.password == "env-pass")
        let token = try NATSCredentials.resolve(user: nil, passwordFile: nil, tokenFile: nil, credsFile: nil, tlsCA: nil,
                                                environment: ["SLUICE_SNAPSHOT_TOKEN": "tok-123"])
        #expect(token.token == "tok-123")
        for credentials in [fromFile, fromEnvironment, token] {
            #expect(!"\(credentials)".contains("pa55word") && !"\(credentials)".contains("env-pass") && !"\(credentials)".contains("tok-123"))
        }
        #expect(try NATSCredentials.resolve(user: nil, passwordFile: nil, tokenFile: nil, credsFile: nil, tlsCA: nil, environment: [:]) == NATSCredentials())
    }

    @Test func optionsThatDoNotFitTogetherAreRefusedByName() throws {
        let passwordFile = try file("pw\n")
        defer { unlink(passwordFile) }
        let cases: [(String?, String?, [String: String], String?, String?, String)] = [
            ("fleet", nil, [:], nil, nil, "--snapshot-user needs a password"),
            (nil, passwordFile, [:], nil, nil, "--snapshot-password-file needs --snapshot-user"),
            ("fleet", passwordFile, ["SLUICE_SNAPSHOT_TOKEN": "t"], nil, nil, "choose one of"),
            (nil, nil, [:], "/nonexistent.creds", nil, "--snapshot-creds /nonexistent.creds"),
            (nil, nil, [:], nil, "/nonexistent-ca.pem", "--snapshot-tls-ca /nonexistent-ca.pem"),
            ("fleet", "/nonexistent-password", [:], nil, nil, "--snapshot-password-file /nonexistent-password"),
        ]
        for (user, password, environment, creds, ca, expected) in cases {
            do {
                _ = try NATSCredentials.resolve(user: user, passwordFile: password, tokenFile: nil, credsFile: creds, tlsCA: ca, environment: environment)
                Issue.record("accepted; expected: \(expected)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
