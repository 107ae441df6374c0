import Foundation
import Testing
@testable import EventLoop

/// Building and reloading TLS contexts from PEM files made by the `openssl` command line: good pairs
/// load, every kind of bad input is refused with OpenSSL's reason, and a refused reload keeps the
/// previous context.
@Suite struct TLSContextProviderTests {
    final class Files {
        let directory = NSTemporaryDirectory() + "sluice-tls-unit-\(UUID().uuidString)"
        init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: directory) }

        func path(_ name: String) -> String { "\(directory)/\(name)" }

        func makePair(_ name: String) throws -> TLSFiles {
            let process = Process()
            process.environment = ChildEnvironment.snapshot
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                 "-keyout", path("\(name)-key.pem"), "-out", path("\(name).pem"), "-days", "1",
                                 "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw TLSError("openssl req", detail: "exit \(process.terminationStatus)") }
            return TLSFiles(certificateChain: path("\(name).pem"), privateKey: path("\(name)-key.pem"))
        }

        func write(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: path(name), atomically: true, encoding: .utf8)
            return path(name)
        }
    }

    @Test func goodPairLoadsAndReloads() throws {
        let files = try Files()
        let pair = try files.makePair("server")
        let provider = try TLSContextProvider(files: pair)
        let before = provider.context
        try provider.reload()
        #expect(provider.context !== before)
        #expect(provider.context.makeSession(fd: -1) != nil)
    }

    enum BadInput: String, CaseIterable { case missingCertificate, garbageCertificate, mismatchedKey, missingKey, garbageClientCA }

    @Test(arguments: BadInput.allCases)
    func badInputIsRefusedWithAReason(_ input: BadInput) throws {
        let files = try Files()
        var pair = try files.makePair("server")
        let other = try files.makePair("other")
        switch input {
        case .missingCertificate: pair.certificateChain = files.path("absent.pem")
        case .garbageCertificate: pair.certificateChain = try files.write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
        case .mismatchedKey: pair.privateKey = other.privateKey
        case .missingKey: pair.privateKey = files.path("absent-key.pem")
        case .garbageClientCA: pair.clientCA = try files.write("ca.pem", "no certificates here\n")
        }
        do {
            _ = try TLSContextProvider(files: pair)
            Issue.record("\(input) was accepted")
        } catch {
            #expect(!error.detail.isEmpty, "OpenSSL gave no reason for \(input): \(error)")
        }
    }

    @Test func refusedReloadKeepsThePreviousContext() throws {
        let files = try Files()
        let pair = try files.makePair("server")
        let other = try files.makePair("other")
        let provider = try TLSContextProvider(files: pair)
        let before = provider.context
        // The key file now holds another certificate's key.
        try FileManager.default.removeItem(atPath: pair.privateKey)
        try FileManager.default.copyItem(atPath: other.privateKey, toPath: pair.privateKey)
        #expect(throws: TLSError.self) { try provider.reload() }
        #expect(provider.context === before)
    }
}
