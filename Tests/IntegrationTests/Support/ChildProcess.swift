import Foundation

/// Runs a program to completion and collects its exit status and output; stderr is drained on another
/// thread so a chatty child cannot block on a full pipe.
enum ChildProcess {
    static func run(_ executable: String, _ arguments: [String],
                    stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        child.standardOutput = out
        child.standardError = err
        if stdin != nil { child.standardInput = input }
        try child.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        nonisolated(unsafe) var errData = Data()
        let errDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            errDone.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        errDone.wait()
        return (child.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
