#if canImport(Glibc)
import WALFormat
import Glibc
#endif

/// When an append is acknowledged relative to `fdatasync`.
///
/// Guarantees: `.always` completes a request only after an `fdatasync` that covers its record;
/// `.interval` completes after `write` and syncs at least every `milliseconds`; `.none` completes after
/// `write` (and syncs only when a segment is sealed and at shutdown).
public enum FsyncPolicy: Sendable, Equatable {
    case always
    case interval(milliseconds: Int)
    case none

    /// Parses `always`, `none` or `interval=MS` (MS ≥ 1).
    public init?(argument: String) {
        switch argument {
        case "always": self = .always
        case "none": self = .none
        default:
            guard argument.hasPrefix("interval="), let ms = Int(argument.dropFirst("interval=".count)), ms >= 1 else {
                return nil
            }
            self = .interval(milliseconds: ms)
        }
    }
}

/// Settings of a ``WALStore``; shared by every repository's log.
public struct WALOptions: Sendable {
    /// `DATA`: logs live under `DATA/repos/<escaped repository>/wal/`.
    public var dataDirectory: String
    public var fsync: FsyncPolicy = .always
    /// A segment is sealed and a new one started when the next record would take it past this size.
    public var segmentBytes = 128 << 20
    /// Per repository: delete sealed segments, oldest first, while the log is larger than this.
    public var retentionBytes: Int? = nil
    /// Per repository: delete sealed segments last written longer ago than this.
    public var retentionHours: Double? = nil
    /// A repository's own retention limits (nil: none); each kind it sets wins over ``retentionHours`` and
    /// ``retentionBytes`` (see ``retention(for:)``). Called on the writer thread at each retention pass, so
    /// a changed setting applies from the next pass without reopening the log; must be cheap and must not
    /// call into the WAL.
    public var repositoryRetention: (@Sendable (_ repository: String) -> RetentionLimits?)? = nil
    /// Per repository: the size past which retention deletes the oldest sealed segment even though a
    /// forwarding target has not acknowledged all of it (see ``retentionHold``); nil: never.
    public var retentionMaxBytes: Int? = nil
    /// The sequence from which a repository's events are still owed to a forwarding target (nil: none
    /// owed). Retention keeps every sealed segment holding such events, up to ``retentionMaxBytes``. Called
    /// on the writer thread at each retention pass; must not call into the WAL.
    public var retentionHold: (@Sendable (_ repository: String) -> UInt64?)? = nil
    /// Under `.always` and `.interval`: zero bytes kept written ahead of the records in the active segment (0 = none).
    /// Records then overwrite blocks the file already has, so an `fdatasync` need not commit a new size or
    /// new blocks to the file system's journal (on ext4 here it takes about half as long). Worth it only while
    /// groups are small, since the zeros are written to disk too: see ``SegmentWriter``.
    public var reserveBytes = 0
    /// What `sluice serve` and `sluice wal bench` keep as reserve unless told otherwise.
    public static let defaultServerReserveBytes = 1 << 20
    /// Under `.none` and `.interval`: bytes of the active segment handed to the kernel's write-back at a time as
    /// they are written (`sync_file_range`, off the writer thread), so dirty pages never pile up for the seal's
    /// fdatasync or the kernel's flusher to write at once (see ``WritebackPacer``). At least a page.
    public var writebackChunkBytes = 1 << 20

    /// Per repository: bytes of records appended and not yet completed past which appends are refused
    /// (``RepositoryLog/admits(bytes:)``); nil: no bound.
    public var maxPendingBytes: Int? = nil
    /// Writer threads serving every repository (each repository belongs to one, by a hash of its name).
    public var writerThreads = WALOptions.coreCount
    /// A repository with no record for this long closes its segment's descriptor and frees its write
    /// buffers (nil = never); its next record reopens it.
    public var idleCloseMillis: Int? = 300_000
    /// Lets a round that wrote several files on one file system make them durable with one `syncfs`
    /// (``SyncDevice``), and an interval sync cover every file of a writer with unsynced data. nil (the
    /// default): when the data folder is a file system of its own (a mount point,
    /// ``IntervalPacing/hasOwnFileSystem(dataDirectory:device:)``), elsewhere only for interval syncs while
    /// per-file syncs cannot keep the interval (``IntervalPacing/intervalCover(use:behind:syncfsNanos:intervalNanos:)``),
    /// since a `syncfs` also writes back other programs' dirty data on its file system; true / false: as told.
    public var syncfsRounds: Bool? = nil
    /// Under `.interval` (and for the write-back of `.none`): serial queues per writer on which its
    /// repositories' fdatasyncs run, each repository on one (assigned in turn as logs open), so that up to
    /// this many syncs of one writer are in the device queue at once. Each fdatasync costs the same CPU on
    /// any queue: more queues let the syncs keep up with more files falling due per second (the interval
    /// holds where one queue would fall behind), and that CPU is then taken from the requests.
    public var syncQueuesPerWriter = 1
    /// Segment descriptors open at once over all repositories (nil = no limit); past it a writer closes
    /// its least recently written idle repository to open another, or refuses the record.
    public var maxOpenSegments: Int? = nil
    /// Called with the duration (seconds) of every successful `fdatasync` of a segment, on the thread that
    /// ran it, right after it returns; for benchmarks that need exact latencies rather than the metrics
    /// histogram. Must be cheap and must not call into the WAL.
    public var fsyncObserver: (@Sendable (_ seconds: Double) -> Void)? = nil

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// The server-wide limits: what a repository without settings of its own keeps.
    public var defaultRetention: RetentionLimits { RetentionLimits(hours: retentionHours, bytes: retentionBytes) }

    /// The limits in force for `repository`: its own where it sets them, the server's otherwise.
    public func retention(for repository: String) -> RetentionLimits {
        (repositoryRetention?(repository) ?? RetentionLimits()).overriding(defaultRetention)
    }

    /// Whether any repository's log may have an age limit, so the writers look once a minute.
    var mayLimitAge: Bool { retentionHours != nil || repositoryRetention != nil }

    /// The default ``maxPendingBytes``: an eighth of physical memory, between 64 MiB and 1 GiB (a backlog
    /// that large already takes seconds to write; a bound below it lets an overloaded gateway say so before
    /// its queues take the memory the loops need).
    public static func defaultMaxPendingBytes(physicalMemory: Int = physicalMemoryBytes) -> Int {
        min(1 << 30, max(64 << 20, physicalMemory / 8))
    }

    /// Physical memory of the machine, in bytes.
    public static var physicalMemoryBytes: Int {
        Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Online cores: the default number of writer threads.
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// Where a record landed: the sequence of its first event and how many events it holds.
public struct WALPosition: Sendable, Equatable {
    public var firstSequence: UInt64
    public var eventCount: Int

    public init(firstSequence: UInt64, eventCount: Int) {
        self.firstSequence = firstSequence
        self.eventCount = eventCount
    }
}
