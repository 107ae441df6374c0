import Testing
@testable import TLSSocket

/// Client and server contexts: what they check, and the reasons they refuse to build.
@Suite struct TLSContextTests {
    @Test func clientContextsVerifyUnlessInsecure() throws {
        #expect(try TLSContext(client: .systemCAs).verifiesPeer)
        #expect(try !TLSContext(client: .anyCertificate).verifiesPeer)
    }

    @Test func aMissingCAFileIsRefusedWithOpenSSLsReason() {
        do {
            _ = try TLSContext(client: .caFile("/nonexistent/ca.pem"))
            Issue.record("a missing CA file was accepted")
        } catch {
            #expect(error.description.hasPrefix("loading CA file /nonexistent/ca.pem"))
        }
    }

    @Test func aMissingCertificateChainIsRefused() {
        do {
            _ = try TLSContext(files: TLSFiles(certificateChain: "/nonexistent/chain.pem", privateKey: "/nonexistent/key.pem"))
            Issue.record("a missing certificate chain was accepted")
        } catch {
            #expect(error.description.hasPrefix("loading certificate chain /nonexistent/chain.pem"))
        }
    }
}
