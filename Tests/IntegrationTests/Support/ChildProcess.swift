import Foundation

/// Runs a program to completion and collects its exit status and output. Standard input is written and
/// standard error drained on other threads, so neither a large input nor a chatty child can block on a
/// full pipe.
enum ChildProcess {
    static func run(_ executable: String, _ arguments: [String],
                    stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try runBytes(executable, arguments, stdin: stdin.map { Array($0.utf8) })
        return (result.status, String(decoding: result.stdout, as: UTF8.self), result.stderr)
    }

    static func runBytes(_ executable: String, _ arguments: [String],
                         stdin: [UInt8]? = nil) throws -> (status: Int32, stdout: [UInt8], stderr: String) {
        let child = Process()
        child.environment = TestEnvironment.snapshot
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        child.standardOutput = out
        child.standardError = err
        if stdin != nil { child.standardInput = input }
        try child.run()
        let done = DispatchGroup()
        if let stdin {
            DispatchQueue.global().async(group: done) {
                input.fileHandleForWriting.write(Data(stdin))
                try? input.fileHandleForWriting.close()
            }
        }
        nonisolated(unsafe) var errData = Data()
        DispatchQueue.global().async(group: done) {
            errData = err.fileHandleForReading.readDataToEndOfFile()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        done.wait()
        return (child.terminationStatus, Array(outData), String(decoding: errData, as: UTF8.self))
    }
}
