import Foundation

/// The test process's environment, read once, for the children these tests start (see
/// IntegrationTests' `TestEnvironment`: the suite shares its process with libnats, which can change
/// `environ` while Foundation copies it).
enum ChildEnvironment {
    static let snapshot = ProcessInfo.processInfo.environment
}
