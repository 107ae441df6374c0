import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Certificates made by the `openssl` command line in a temporary folder for one test: self-signed
/// server certificates for 127.0.0.1 (EC P-256, SAN IP:127.0.0.1), and a client CA with a client
/// certificate it signed, for mTLS.
final class TLSFixtures: @unchecked Sendable {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "sluice-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// A self-signed server certificate `<name>.pem` with its key `<name>-key.pem`.
    @discardableResult
    func makeServerCertificate(_ name: String) throws -> (certificate: String, key: String) {
        let certificate = path("\(name).pem"), key = path("\(name)-key.pem")
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=127.0.0.1",
                          "-addext", "subjectAltName=IP:127.0.0.1"])
        return (certificate, key)
    }

    /// A client CA (`client-ca.pem`) and a client certificate it signed (`client.pem`, `client-key.pem`).
    func makeClientCertificates() throws -> (ca: String, certificate: String, key: String) {
        let ca = path("client-ca.pem"), caKey = path("client-ca-key.pem")
        let certificate = path("client.pem"), key = path("client-key.pem"), request = path("client.csr")
        try Self.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", caKey, "-out", ca, "-days", "2", "-subj", "/CN=Sluice test client CA"])
        try Self.openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", key, "-out", request, "-subj", "/CN=shipper-1"])
        try Self.openssl(["x509", "-req", "-in", request, "-CA", ca, "-CAkey", caKey, "-CAcreateserial",
                          "-out", certificate, "-days", "2"])
        return (ca, certificate, key)
    }

    /// Concatenates PEM files (a client trust bundle).
    func bundle(_ name: String, of files: [String]) throws -> String {
        var contents = Data()
        for file in files { contents.append(try Data(contentsOf: URL(fileURLWithPath: file))) }
        try contents.write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    /// Replaces `destination` atomically by a copy of `source` (write-temp + rename).
    func replace(_ destination: String, with source: String) throws {
        let temporary = destination + ".new"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.copyItem(atPath: source, toPath: temporary)
        guard rename(temporary, destination) == 0 else { throw TestFailure("rename \(temporary): errno \(errno)") }
    }

    static func openssl(_ arguments: [String]) throws {
        let result = try ChildProcess.run("/usr/bin/openssl", arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments) failed: \(result.stderr)") }
    }
}

extension SluiceProcess {
    /// A server with one plain and one TLS listener on kernel-picked ports.
    convenience init(tlsCertificate: String, key: String, extraArguments: [String] = []) throws {
        try self.init(arguments: ["--tls-listen", "127.0.0.1:0", "--tls-cert", tlsCertificate, "--tls-key", key] + extraArguments)
    }

    /// The first TLS listener's port (`DATA/sluice.tls-port`).
    func tlsPort() throws -> UInt16 {
        let text = try String(contentsOfFile: dataDirectory + "/sluice.tls-port", encoding: .utf8)
        guard let port = UInt16(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw TestFailure("bad tls port file: \(text)") }
        return port
    }

    /// The value of one metrics line (`name{labels}`), read over plain HTTP.
    func metric(_ series: String) throws -> Int? {
        let text = try RawHTTPClient(port: port).request("GET", "/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Int(line.dropFirst(series.count + 1))
        }
        return nil
    }
}
