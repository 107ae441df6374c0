import Testing
@testable import WAL

struct IntervalPacingTests {
    private let ms: UInt64 = 1_000_000

    /// A log whose syncs start on time, on a writer whose sync queues start a sync within half an interval,
    /// is acknowledged after its write; a log whose oldest uncovered write is past its interval (plus a
    /// quarter), or a writer whose queued syncs would delay a new one by half an interval or more, holds.
    @Test func holdsOnlyWhenTheIntervalCannotBeKept() {
        func holds(age: UInt64 = 0, queued: Int = 0, queues: Int = 1, sync: UInt64 = 0, interval: UInt64 = 10) -> Bool {
            IntervalPacing.holdsAcknowledgement(intervalNanos: interval * ms, uncoveredAgeNanos: age, queuedSyncs: queued,
                                                queues: queues, syncNanos: sync)
        }
        #expect(!holds())
        #expect(!holds(age: 12 * ms), "a sync starting just after it falls due is on time")
        // 10 ms interval: threshold 10 + 2.5 ms.
        #expect(!holds(age: 12_500_000 - 1))
        #expect(holds(age: 12_500_000), "a quarter interval late")
        // 1 ms interval: threshold 1 + max(1, 0.25) = 2 ms.
        #expect(holds(age: 2 * ms - 1, interval: 1) == false)
        #expect(holds(age: 2 * ms, interval: 1))
        // Backlog: 40 queued syncs of 0.12 ms on one queue = 4.8 ms < 5 ms; 42 = 5.04 ms.
        #expect(!holds(queued: 40, sync: 120_000))
        #expect(holds(queued: 42, sync: 120_000))
        #expect(!holds(queued: 42, queues: 2, sync: 120_000), "two queues halve the wait")
        #expect(!holds(queued: 1000, sync: 0), "no cost known yet")
    }

    @Test func syncfsAsToldOrOnAFileSystemOfItsOwnElseAsFallback() {
        #expect(IntervalPacing.syncfsUse(forced: nil, ownFileSystem: true) == .always)
        #expect(IntervalPacing.syncfsUse(forced: nil, ownFileSystem: false) == .fallback)
        #expect(IntervalPacing.syncfsUse(forced: true, ownFileSystem: false) == .always)
        #expect(IntervalPacing.syncfsUse(forced: false, ownFileSystem: true) == .never)
        #expect(IntervalPacing.syncfsUse(forced: false, ownFileSystem: false) == .never)
    }

    /// Per-file syncs while they keep the interval; behind them, a shared file system falls back to
    /// `syncfs` when allowed and fast enough (at most half the interval, or not measured yet), else holds;
    /// a file system of its own always uses `syncfs`; a forbidden `syncfs` holds.
    @Test func intervalCoverFallsBackToSyncfsBeforeHolding() {
        func cover(_ use: SyncfsUse, behind: Bool, syncfs: UInt64 = 0) -> IntervalCover {
            IntervalPacing.intervalCover(use: use, behind: behind, syncfsNanos: syncfs, intervalNanos: 10 * ms)
        }
        // Shared file system, syncfs allowed (auto).
        #expect(cover(.fallback, behind: false) == .perFile, "no pressure: per-file syncs, other programs' data left alone")
        #expect(cover(.fallback, behind: false, syncfs: 100 * ms) == .perFile)
        #expect(cover(.fallback, behind: true) == .syncfs, "pressure, syncfs cost unknown: try it")
        #expect(cover(.fallback, behind: true, syncfs: 3 * ms) == .syncfs)
        #expect(cover(.fallback, behind: true, syncfs: 5 * ms) == .syncfs, "half the interval still keeps it")
        #expect(cover(.fallback, behind: true, syncfs: 5 * ms + 1) == .hold, "syncfs too slow: hold")
        // Forbidden (--no-wal-syncfs, or no trusted syncfs).
        #expect(cover(.never, behind: false) == .perFile)
        #expect(cover(.never, behind: true) == .hold)
        #expect(cover(.never, behind: true, syncfs: 1) == .hold)
        // Mount point of its own, or --wal-syncfs.
        #expect(cover(.always, behind: false) == .syncfs)
        #expect(cover(.always, behind: true, syncfs: 100 * ms) == .syncfs)
    }

    /// The fallback ends when the files one interval `syncfs` covers would take per-file syncs under a
    /// quarter interval; between a quarter and a half (where it started) it stays.
    @Test func fallbackEndsWellInsideTheEdge() {
        func keepsUp(files: Int, sync: UInt64, queues: Int = 1) -> Bool {
            IntervalPacing.perFileKeepsUp(files: files, syncNanos: sync, queues: queues, intervalNanos: 10 * ms)
        }
        // 0.12 ms fdatasyncs: 20 files = 2.4 ms < 2.5 ms; 21 = 2.52 ms.
        #expect(keepsUp(files: 20, sync: 120_000))
        #expect(!keepsUp(files: 21, sync: 120_000))
        #expect(keepsUp(files: 41, sync: 120_000, queues: 2), "two queues halve the time")
        #expect(!keepsUp(files: 500, sync: 120_000))
        #expect(!keepsUp(files: 1, sync: 0), "fdatasync cost unknown: stay")
        #expect(keepsUp(files: 0, sync: 120_000))
    }

    /// The data folder or its `repos` folder on a device other than its parent's is a file system of its own.
    @Test func ownFileSystemIsAMountPoint() {
        func own(_ devices: [String: UInt64]) -> Bool {
            IntervalPacing.hasOwnFileSystem(dataDirectory: "/d", device: { devices[$0] })
        }
        #expect(!own(["/d": 1, "/d/..": 1, "/d/repos": 1, "/d/repos/..": 1]))
        #expect(own(["/d": 2, "/d/..": 1, "/d/repos": 2, "/d/repos/..": 2]))
        #expect(own(["/d": 1, "/d/..": 1, "/d/repos": 3, "/d/repos/..": 1]))
        #expect(!own([:]), "unreadable: not its own")
        #expect(own(["/d": 2, "/d/..": 1]), "no repos folder yet")
    }

    /// The real thing: /proc is a mount point; a temporary folder on the root file system is not.
    @Test func ownFileSystemOnThisMachine() {
        let fs = PosixFileSystem()
        #expect(IntervalPacing.hasOwnFileSystem(dataDirectory: "/proc", device: { fs.fileSystemID($0) }))
        let dir = TemporaryDirectory()
        #expect(!IntervalPacing.hasOwnFileSystem(dataDirectory: dir.path, device: { fs.fileSystemID($0) }))
    }

    /// The lag histogram counts each sync's lag once, in its bucket; unknown starts are ignored.
    @Test func lagIsRecorded() {
        let backlog = SyncBacklog()
        backlog.recordLag(since: 1_000, ended: 1_000 + 7 * ms)
        backlog.recordLag(since: 0, ended: 5 * ms)
        backlog.recordLag(since: 1_000, ended: 1_000 + 90 * ms)
        let histogram = backlog.lagHistogram
        #expect(histogram.count == 2)
        #expect(histogram.counts[RepositoryMetrics.latencyBounds.firstIndex(of: 0.01)!] == 1)
        #expect(histogram.counts[RepositoryMetrics.latencyBounds.firstIndex(of: 0.1)!] == 1)
        backlog.recordSync(nanos: 800)
        #expect(backlog.syncNanos.load(ordering: .relaxed) == 800)
        backlog.recordSync(nanos: 1600)
        #expect(backlog.syncNanos.load(ordering: .relaxed) == 900)
    }
}
