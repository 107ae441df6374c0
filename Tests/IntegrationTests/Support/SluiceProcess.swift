import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `sluice serve` on a loopback port picked by the kernel, with its own temporary data folder.
/// Start-up waits for the server's "listening" log line; no sleeps, no fixed ports.
final class SluiceProcess: @unchecked Sendable {
    let dataDirectory: String
    let process = Process()
    private(set) var port: UInt16 = 0
    private let stderrPipe = Pipe()
    private let stdoutPipe = Pipe()
    private let lock = NSCondition()
    private var logText = ""
    private let ownsDirectory: Bool

    static var binary: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // The test bundle may be a folder (…/sluicePackageTests.xctest/…) or a file next to the products.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("sluice").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return testBinary.deletingLastPathComponent().appendingPathComponent("sluice").path
    }

    static func makeDataDirectory() -> String {
        let path = NSTemporaryDirectory() + "sluice-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `fileSizeLimitKiB` starts the server under `ulimit -f`, so writes past it fail as on a full disk;
    /// `limits` are more `ulimit` arguments applied in the child shell before it execs the server
    /// (e.g. `["-n 1024"]`).
    init(dataDirectory: String? = nil, arguments: [String] = [], fileSizeLimitKiB: Int? = nil, limits: [String] = []) throws {
        self.dataDirectory = dataDirectory ?? Self.makeDataDirectory()
        ownsDirectory = dataDirectory == nil
        let serve = ["serve", "--data", self.dataDirectory, "--listen", "127.0.0.1:0", "--threads", "2"] + arguments
        let ulimits = (fileSizeLimitKiB.map { ["-f \($0)"] } ?? []) + limits
        if !ulimits.isEmpty {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            let prefix = ulimits.map { "ulimit \($0)" }.joined(separator: " && ")
            process.arguments = ["-c", "\(prefix) && exec \"$0\" \"$@\"", Self.binary] + serve
        } else {
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = serve
        }
        process.standardError = stderrPipe
        process.standardOutput = stdoutPipe
        process.environment = TestEnvironment.snapshot
        try process.run()
        let ready = DispatchSemaphore(value: 0)
        let readyOnce = NSLock()
        nonisolated(unsafe) var signalled = false
        stderrPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            guard let self else { return }
            self.lock.lock()
            self.logText += String(decoding: data, as: UTF8.self)
            let isReady = self.logText.contains("listening") || data.isEmpty
            self.lock.broadcast()
            self.lock.unlock()
            readyOnce.lock()
            let first = isReady && !signalled
            if first { signalled = true }
            readyOnce.unlock()
            if first { ready.signal() }
        }
        guard ready.wait(timeout: .now() + 60) == .success, process.isRunning else {
            throw TestFailure("sluice did not start: \(log)")
        }
        let portText = try String(contentsOfFile: self.dataDirectory + "/sluice.port", encoding: .utf8)
        port = UInt16(portText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    var log: String {
        lock.lock()
        defer { lock.unlock() }
        return logText
    }

    /// Waits (up to 30 s) until the server's log contains `text` (at least `occurrences` times).
    func waitForLog(_ text: String, occurrences: Int = 1) throws {
        let deadline = Date().addingTimeInterval(30)
        lock.lock()
        defer { lock.unlock() }
        while logText.components(separatedBy: text).count - 1 < occurrences {
            guard lock.wait(until: deadline) else { throw TestFailure("log never showed '\(text)': \(logText)") }
        }
    }

    /// The server's log so far.
    func logSoFar() -> String {
        lock.lock()
        defer { lock.unlock() }
        return logText
    }

    /// What the server printed on stdout so far (the first-start banner).
    func standardOutput() -> String {
        String(decoding: stdoutPipe.fileHandleForReading.availableDataNonBlocking(), as: UTF8.self)
    }

    /// The bootstrap credentials the first start wrote.
    func bootstrapCredentials() throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dataDirectory + "/bootstrap-credentials.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return object.compactMapValues { $0 as? String }
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            signal(SIGTERM)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    func kill9() {
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Runs another `sluice` command (e.g. `wal cat`).
    static func run(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess.run(binary, arguments, stdin: stdin)
    }

    deinit {
        kill9()
        if ownsDirectory { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension FileHandle {
    func availableDataNonBlocking() -> Data {
        let fd = fileDescriptor
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        var result = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        _ = fcntl(fd, F_SETFL, flags)
        return result
    }
}
