#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// `--min-free-bytes`: whether the file system of the data folder has less space free than the bound,
/// looked at with `statvfs` at most once a second from the loops' ticks (never on a request). While it is
/// low, ingest is refused with 503 and the health answers say unhealthy, before a full disk fails writes.
final class DiskSpaceGuard: Sendable {
    let path: String
    let minFreeBytes: Int
    private let low = Atomic<Bool>(false)
    private let nextCheckMillis = Atomic<Int64>(0)

    init(path: String, minFreeBytes: Int) {
        self.path = path
        self.minFreeBytes = minFreeBytes
        check(nowMillis: 0)
    }

    var isLow: Bool { low.load(ordering: .relaxed) }

    /// Looks again when a second passed since the last look (one loop does; the others skip).
    func tick(nowMillis: Int64) {
        let due = nextCheckMillis.load(ordering: .relaxed)
        guard nowMillis >= due, nextCheckMillis.compareExchange(expected: due, desired: nowMillis + 1000, ordering: .relaxed).exchanged else { return }
        check(nowMillis: nowMillis)
    }

    private func check(nowMillis: Int64) {
        guard let free = Self.freeBytes(path) else { return }
        low.store(free < minFreeBytes, ordering: .relaxed)
    }

    /// Bytes an unprivileged writer may still use on `path`'s file system; nil when `statvfs` fails.
    static func freeBytes(_ path: String) -> Int? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }
}
