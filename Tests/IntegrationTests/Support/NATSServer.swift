import CNATS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `nats-server -js` on a free loopback port with a temporary store; restartable on the same port
/// and store (a server lost and back).
final class NATSServer: @unchecked Sendable {
    let port: UInt16
    let storeDirectory: String
    private var process: Process?
    /// More `nats-server` options (e.g. `--user`, `--tls`).
    private let extraArguments: [String]

    init(arguments: [String] = []) throws {
        extraArguments = arguments
        port = try Self.freePort()
        storeDirectory = NSTemporaryDirectory() + "sluice-nats-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: storeDirectory, withIntermediateDirectories: true)
        try start()
    }

    var url: String { "nats://127.0.0.1:\(port)" }

    func start() throws {
        let child = Process()
        child.environment = TestEnvironment.snapshot
        // Through env, so the Debian package (/usr/sbin) and other installs are found on PATH.
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = ["PATH=/usr/sbin:/usr/local/bin:/usr/bin:/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? ""),
                           "nats-server", "-a", "127.0.0.1", "-p", "\(port)", "-js", "-sd", storeDirectory] + extraArguments
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        process = child
        // Ready once it accepts a connection.
        let deadline = Date().addingTimeInterval(30)
        while !Self.accepts(port) {
            guard Date() < deadline, child.isRunning else { throw TestFailure("nats-server did not start on port \(port)") }
            usleep(20_000)
        }
    }

    func kill9() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        kill9()
        try? FileManager.default.removeItem(atPath: storeDirectory)
    }

    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free port") }
        return UInt16(bigEndian: address.sin_port)
    }

    static func accepts(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// One stored JetStream message as the tests read it back.
struct StoredMessage {
    var id: String
    var headers: [String: String]
    var body: [UInt8]
    var subject = ""
}

/// Reads a stream's messages back through libnats (`js_GetMsg` by stream sequence).
enum StreamReader {
    static func messages(url: String, stream: String) throws -> [StoredMessage] {
        var connection: OpaquePointer?
        guard natsConnection_ConnectTo(&connection, url) == NATS_OK else { throw TestFailure("cannot connect to \(url)") }
        defer { natsConnection_Destroy(connection) }
        var context: OpaquePointer?
        guard natsConnection_JetStream(&context, connection, nil) == NATS_OK else { throw TestFailure("no JetStream context") }
        defer { jsCtx_Destroy(context) }
        var info: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        guard js_GetStreamInfo(&info, context, stream, nil, &code) == NATS_OK, let info else { throw TestFailure("no stream \(stream)") }
        let first = info.pointee.State.FirstSeq, last = info.pointee.State.LastSeq, count = info.pointee.State.Msgs
        jsStreamInfo_Destroy(info)
        var out: [StoredMessage] = []
        guard count > 0 else { return out }
        for sequence in first...last {
            var msg: OpaquePointer?
            guard js_GetMsg(&msg, context, stream, sequence, nil, &code) == NATS_OK, let msg else { continue }
            defer { natsMsg_Destroy(msg) }
            var headers: [String: String] = [:]
            for name in ["Nats-Msg-Id", "Sluice-Repository", "Sluice-Events", "Sluice-First-Sequence", "Sluice-Part", "Sluice-Format", "Sluice-Gateway", "Content-Encoding"] {
                var value: UnsafePointer<CChar>?
                if natsMsgHeader_Get(msg, name, &value) == NATS_OK, let value { headers[name] = String(cString: value) }
            }
            let length = Int(natsMsg_GetDataLength(msg))
            let body = natsMsg_GetData(msg).map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
            out.append(StoredMessage(id: headers["Nats-Msg-Id"] ?? "", headers: headers, body: body,
                                     subject: natsMsg_GetSubject(msg).map { String(cString: $0) } ?? ""))
        }
        return out
    }
}
