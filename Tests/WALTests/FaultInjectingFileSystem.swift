#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
@testable import WAL

/// What the fault-injecting file system should do to files whose path contains ``FaultPlan/pathFilter``.
struct Faults: Sendable {
    /// Each write call writes at most this many bytes (a short write, not an error).
    var maxBytesPerWrite: Int? = nil
    /// Bytes that can still be written before writes fail with ENOSPC (a partial write fills them first).
    var diskSpace: Int? = nil
    /// Bytes the files may still grow by before a write that extends one fails with ENOSPC (a partial
    /// write fills them first); writes within a file's size always succeed, as over blocks a real file
    /// already has.
    var growthSpace: Int? = nil
    /// Every write fails with this errno.
    var writeErrno: Int32? = nil
    /// Every fdatasync fails with this errno.
    var syncErrno: Int32? = nil
    /// Creating segments fails with this errno.
    var createErrno: Int32? = nil
    /// Every syncfs fails with this errno (a failing file's `syncErrno` or crash fails it too, as its
    /// writeback error would reach the file system's error sequence).
    var syncfsErrno: Int32? = nil
    /// Whether the file system offers a syncfs handle at all.
    var syncfsAvailable = true
    /// At the next fdatasync the machine "crashes": the file keeps what was synced plus this many of the
    /// unsynced bytes, and every later operation fails with EIO.
    var crashKeepingUnsyncedBytes: Int? = nil
}

/// The shared, thread-safe control panel of a ``FaultInjectingFileSystem``.
final class FaultPlan: Sendable {
    let faults = Mutex(Faults())
    let pathFilter: String
    let syncs = Atomic<Int>(0)
    let writes = Atomic<Int>(0)
    let crashed = Atomic<Bool>(false)
    /// syncfs calls that succeeded.
    let syncfsCalls = Atomic<Int>(0)
    /// Every segment file opened for writing, so that a syncfs and ``crashEveryFile()`` reach them all.
    let files = Mutex<[WeakFile]>([])
    /// When set, the first fdatasync waits for this semaphore (to let appends pile up).
    let firstSyncGate: DispatchSemaphore?
    let firstSyncStarted = DispatchSemaphore(value: 0)
    /// Signalled after every successful fdatasync.
    let synced = DispatchSemaphore(value: 0)
    /// The ranges write-back was started for, in order, as (path, range).
    let writebacks = Mutex<[(String, Range<Int>)]>([])

    /// When set, every syncfs waits until it is signalled once (it then stays open).
    let syncfsGate: DispatchSemaphore?
    /// syncfs calls begun (waiting at the gate or not).
    let syncfsEntered = Atomic<Int>(0)

    init(pathFilter: String = "", gateFirstSync: Bool = false, gateSyncfs: Bool = false) {
        self.pathFilter = pathFilter
        firstSyncGate = gateFirstSync ? DispatchSemaphore(value: 0) : nil
        syncfsGate = gateSyncfs ? DispatchSemaphore(value: 0) : nil
    }

    func set(_ change: (inout Faults) -> Void) {
        var copy = faults.withLock { $0 }
        change(&copy)
        faults.withLock { $0 = copy }
    }
    func applies(to path: String) -> Bool { pathFilter.isEmpty || path.contains(pathFilter) }

    /// The machine "crashes" now: every file keeps only what an fdatasync or syncfs covered. Call it while
    /// no writer runs (after the appends of interest completed).
    func crashEveryFile() throws {
        crashed.store(true, ordering: .relaxed)
        for file in files.withLock({ $0.compactMap(\.file) }) {
            try file.inner.truncate(to: min(try file.inner.size(), file.durableSize))
        }
    }

    struct WeakFile: @unchecked Sendable {
        weak var file: FaultInjectingFile?
    }
}

/// Wraps the real file system, injecting short writes, ENOSPC, EIO and a crash point between write and
/// fdatasync according to a ``FaultPlan``.
struct FaultInjectingFileSystem: SegmentFileSystem {
    let real = PosixFileSystem()
    let plan: FaultPlan

    func open(_ path: String, create: Bool) throws(SegmentIOError) -> any SegmentFile {
        if plan.applies(to: path) {
            if plan.crashed.load(ordering: .relaxed) { throw SegmentIOError(call: "open", path: path, code: EIO) }
            if create, let code = plan.faults.withLock({ $0.createErrno }) { throw SegmentIOError(call: "open", path: path, code: code) }
        }
        let file = try real.open(path, create: create)
        let wrapped = FaultInjectingFile(inner: file, path: path, plan: plan, durableSize: try file.size())
        plan.files.withLock { $0.append(FaultPlan.WeakFile(file: wrapped)) }
        return wrapped
    }

    func openForReading(_ path: String) throws(SegmentIOError) -> any SegmentFile { try real.openForReading(path) }
    func createDirectories(_ path: String) throws(SegmentIOError) { try real.createDirectories(path) }
    func list(_ path: String) throws(SegmentIOError) -> [String] { try real.list(path) }
    func remove(_ path: String) throws(SegmentIOError) { try real.remove(path) }
    func syncDirectory(_ path: String) throws(SegmentIOError) { try real.syncDirectory(path) }
    func info(_ path: String) -> SegmentFileInfo? { real.info(path) }
    func fileSystemID(_ path: String) -> UInt64? { real.fileSystemID(path) }

    func openFileSystemSync(_ path: String) throws(SegmentIOError) -> (any FileSystemSync)? {
        guard plan.faults.withLock({ $0.syncfsAvailable }), let inner = try real.openFileSystemSync(path) else { return nil }
        return FaultInjectingFileSystemSync(inner: inner, plan: plan)
    }
}

/// A syncfs that fails while any fault would fail a file's fdatasync, and on success makes every file of
/// the plan durable up to its size.
final class FaultInjectingFileSystemSync: FileSystemSync {
    let inner: any FileSystemSync
    let plan: FaultPlan

    init(inner: any FileSystemSync, plan: FaultPlan) {
        self.inner = inner
        self.plan = plan
    }

    func sync() throws(SegmentIOError) {
        plan.syncfsEntered.add(1, ordering: .relaxed)
        if let gate = plan.syncfsGate {
            gate.wait()
            gate.signal()
        }
        let faults = plan.faults.withLock { $0 }
        if let code = faults.syncfsErrno ?? faults.syncErrno { throw SegmentIOError(call: "syncfs", path: "", code: code) }
        if plan.crashed.load(ordering: .relaxed) || faults.crashKeepingUnsyncedBytes != nil {
            throw SegmentIOError(call: "syncfs", path: "", code: EIO)
        }
        try inner.sync()
        for file in plan.files.withLock({ $0.compactMap(\.file) }) where !file.isClosed.load(ordering: .relaxed) {
            if let size = try? file.inner.size() { file.durableSize = size }
        }
        plan.syncfsCalls.add(1, ordering: .relaxed)
    }

    let isClosed = Atomic<Bool>(false)

    func close() {
        isClosed.store(true, ordering: .relaxed)
        inner.close()
    }
}

final class FaultInjectingFile: SegmentFile {
    let inner: any SegmentFile
    let path: String
    let plan: FaultPlan
    /// What an fdatasync or syncfs covered (a syncfs of another writer's thread sets it too).
    let durable = Atomic<Int>(0)
    var durableSize: Int {
        get { durable.load(ordering: .relaxed) }
        set { durable.store(newValue, ordering: .relaxed) }
    }
    var firstSync = true

    init(inner: any SegmentFile, path: String, plan: FaultPlan, durableSize: Int) {
        self.inner = inner
        self.path = path
        self.plan = plan
        durable.store(durableSize, ordering: .relaxed)
    }

    private var faulty: Bool { plan.applies(to: path) }

    private func checkAlive(_ call: String) throws(SegmentIOError) {
        if faulty, plan.crashed.load(ordering: .relaxed) { throw SegmentIOError(call: call, path: path, code: EIO) }
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SegmentIOError) -> Int {
        try checkAlive("pwrite")
        guard faulty else { return try inner.write(bytes, at: offset) }
        plan.writes.add(1, ordering: .relaxed)
        let faults = plan.faults.withLock { $0 }
        if let code = faults.writeErrno { throw SegmentIOError(call: "pwrite", path: path, code: code) }
        var allowed = bytes.count
        if let limit = faults.maxBytesPerWrite { allowed = min(allowed, limit) }
        if let space = faults.diskSpace {
            if space == 0 { throw SegmentIOError(call: "pwrite", path: path, code: ENOSPC) }
            allowed = min(allowed, space)
        }
        var size = 0
        if let growth = faults.growthSpace {
            size = try inner.size()
            if offset + allowed > size + growth {
                allowed = size + growth - offset
                if allowed <= 0 { throw SegmentIOError(call: "pwrite", path: path, code: ENOSPC) }
            }
        }
        let written = try inner.write(UnsafeRawBufferPointer(rebasing: bytes[0..<allowed]), at: offset)
        if faults.diskSpace != nil { plan.set { $0.diskSpace = max(0, ($0.diskSpace ?? 0) - written) } }
        if faults.growthSpace != nil {
            let grown = max(0, offset + written - size)
            plan.set { $0.growthSpace = max(0, ($0.growthSpace ?? 0) - grown) }
        }
        return written
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(SegmentIOError) -> Int {
        try checkAlive("pread")
        return try inner.read(into: buffer, at: offset)
    }

    func sync() throws(SegmentIOError) {
        try checkAlive("fdatasync")
        guard faulty else {
            try inner.sync()
            durableSize = try inner.size()
            return
        }
        if firstSync {
            firstSync = false
            plan.firstSyncStarted.signal()
            plan.firstSyncGate?.wait()
        }
        let faults = plan.faults.withLock { $0 }
        if let keep = faults.crashKeepingUnsyncedBytes {
            let size = try inner.size()
            try inner.truncate(to: min(size, durableSize + keep))
            plan.crashed.store(true, ordering: .relaxed)
            throw SegmentIOError(call: "fdatasync", path: path, code: EIO)
        }
        if let code = faults.syncErrno { throw SegmentIOError(call: "fdatasync", path: path, code: code) }
        try inner.sync()
        durableSize = try inner.size()
        plan.syncs.add(1, ordering: .relaxed)
        plan.synced.signal()
    }

    func truncate(to length: Int) throws(SegmentIOError) {
        try checkAlive("ftruncate")
        try inner.truncate(to: length)
    }

    func size() throws(SegmentIOError) -> Int {
        try checkAlive("fstat")
        return try inner.size()
    }

    func startWriteback(from offset: Int, count: Int) {
        plan.writebacks.withLock { $0.append((path, offset..<(offset + count))) }
        inner.startWriteback(from: offset, count: count)
    }

    let isClosed = Atomic<Bool>(false)

    func close() {
        isClosed.store(true, ordering: .relaxed)
        inner.close()
    }
}
