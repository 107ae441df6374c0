import Foundation

/// The test process's environment, read once. Children get this copy instead of Foundation reading the live
/// `environ` while it starts them: libnats, loaded into this process by the forwarding tests, links
/// `setenv`/`unsetenv`, and a concurrent change frees strings `Process.run()` is still copying.
enum TestEnvironment {
    static let snapshot = ProcessInfo.processInfo.environment
}
