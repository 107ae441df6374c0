import Foundation

/// Waits until `sluice forward status` shows every stored event delivered.
func waitDelivered(_ data: String) throws {
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline {
        let status = try SluiceProcess.run(["forward", "status", "--data", data]).stdout
        let row = status.split(separator: "\n").dropFirst().first.map { $0.split(separator: " ", omittingEmptySubsequences: true) } ?? []
        if row.count >= 4, row[3] == "0", row[2] != "0" { return }
        usleep(100_000)
    }
    throw TestFailure("forwarding did not catch up: \(try SluiceProcess.run(["forward", "status", "--data", data]).stdout)")
}
