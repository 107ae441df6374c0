#if canImport(Glibc)
import Glibc
#endif

/// Asks a running server to reload its snapshot: SIGHUP to the pid in `DATA/sluice.pid`.
public enum ReloadSignal {
    /// Sends SIGHUP and returns the pid signalled; throws when there is no pid file, it does not hold a pid,
    /// or no such process runs.
    @discardableResult
    public static func send(dataDirectory: String) throws(TokenError) -> Int32 {
        let path = dataDirectory + "/sluice.pid"
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            throw .notFound("no running server found: cannot read \(path) (\(error))")
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingSpace()
        guard let pid = Int32(text), pid > 0 else {
            throw .invalidArgument("\(path) does not hold a process id")
        }
        guard kill(pid, SIGHUP) == 0 else {
            throw .system(file: path, operation: "kill(\(pid), SIGHUP)", errno: errno)
        }
        return pid
    }
}

extension String {
    func trimmingSpace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
