import EventModel

/// A pipeline's stages at a fixed address for the pipeline's lifetime, so that running a stage borrows it
/// in place. Iterating an array of them copied each element, retaining and releasing the stage's box; the
/// pipeline is shared by every event loop, so two cores bumped the same reference counts per event and
/// fought over their cache lines (perf, access-log ingest: retain and release were 15 % of the time).
///
/// Guarantees: holds exactly the stages it was made from, in order, and frees them with itself; never
/// mutated after init, so sharing it between threads is safe.
final class StageList: @unchecked Sendable {
    /// Each stage in a box of its own, held retained by the list and run through a guaranteed reference,
    /// so that running it neither copies the stage nor bumps a count.
    private let boxes: UnsafeMutablePointer<Unmanaged<StageBox>>
    /// Per stage, how it is run. Loading a stage retains its box and payload (the compiler cannot see
    /// that the pointer keeps them alive), so the stages every default pipeline has run from plain
    /// copies of what they need.
    private let direct: UnsafeMutablePointer<DirectStage>
    let count: Int

    /// A stage as ``StageList`` runs it; nothing in it is reference counted.
    private enum DirectStage {
        /// Any other stage: run from its box.
        case load
        /// `accesslog`, which has no payload.
        case accessLog
        /// `kv` over `@rawstring`, with a separator this list owns.
        case keyValue(separator: UnsafeMutableRawBufferPointer, override: Bool, leading: LeadingTimestamp)
        /// `syslog`, whose parser the stage's box keeps alive.
        case syslog(Unmanaged<SyslogParser>)
    }

    init(_ stages: [ParserStage]) {
        count = stages.count
        boxes = .allocate(capacity: max(1, stages.count))
        for (index, stage) in stages.enumerated() {
            (boxes + index).initialize(to: .passRetained(StageBox(stage)))
        }
        direct = .allocate(capacity: max(1, stages.count))
        for (index, stage) in stages.enumerated() {
            (direct + index).initialize(to: Self.direct(stage))
        }
    }

    private static func direct(_ stage: ParserStage) -> DirectStage {
        switch stage {
        case .accessLog:
            return .accessLog
        case .keyValue(let scanner, .rawstring, let leading):
            let separator = UnsafeMutableRawBufferPointer.allocate(byteCount: scanner.separator.count, alignment: 1)
            scanner.separator.withUnsafeBytes { separator.copyMemory(from: $0) }
            return .keyValue(separator: separator, override: scanner.override, leading: leading)
        case .syslog(let parser):
            return .syslog(.passUnretained(parser))
        default:
            return .load
        }
    }

    deinit {
        for index in 0..<count {
            if case .keyValue(let separator, _, _) = direct[index] { separator.deallocate() }
        }
        direct.deallocate()
        for index in 0..<count { boxes[index].release() }
        boxes.deallocate()
    }

    /// Runs stage `index` (0 ..< count) in place.
    @inline(__always)
    func run(_ index: Int, _ batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        precondition(index >= 0 && index < count)
        switch direct[index] {
        case .load:
            return boxes[index]._withUnsafeGuaranteedRef { $0.stage.run(&batch, scratch: scratch) }
        case .accessLog:
            return ParserStage.runAccessLog(&batch, scratch: scratch)
        case .keyValue(let separator, let override, let leading):
            return ParserStage.runKeyValue(separator: UnsafeRawBufferPointer(separator), override: override,
                                           source: .rawstring, leading: leading, &batch, scratch: scratch)
        case .syslog(let parser):
            return parser._withUnsafeGuaranteedRef { ParserStage.runSyslog($0, &batch, scratch: scratch) }
        }
    }
}

/// One stage, owned by a ``StageList``.
private final class StageBox {
    let stage: ParserStage

    init(_ stage: ParserStage) {
        self.stage = stage
    }
}
