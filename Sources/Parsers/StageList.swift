import EventModel

/// A pipeline's stages, run without reference counting. Iterating an array of stages copies each one,
/// retaining its box and payload; every event loop's copy of a pipeline shares those, so two cores would
/// bump the same counts per event and fight over their cache lines (`perf/cpu-per-request.sh` with the
/// access-log, HEC and custom-pipeline workloads measures it). Each stage runs borrowed from a box the
/// list owns, except two run from their entry of ``direct``: `syslog`, whose parser object a borrowed box
/// still retains, and `accesslog`, which has no payload to load.
///
/// Guarantees: holds exactly the stages it was made from, in order, and frees them with itself; never
/// mutated after init, so sharing it between threads is safe.
final class StageList: @unchecked Sendable {
    /// Each stage in a box of its own, held retained by the list and run through a guaranteed reference,
    /// so that running it neither copies the stage nor bumps a count.
    private let boxes: UnsafeMutablePointer<Unmanaged<StageBox>>
    /// Per stage, how it is run.
    private let direct: UnsafeMutablePointer<DirectStage>
    let count: Int

    /// A stage as ``StageList`` runs it; nothing in it is reference counted.
    private enum DirectStage {
        /// Any other stage: run from its box.
        case load
        /// `accesslog`, which has no payload.
        case accessLog
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
        case .syslog(let parser):
            return .syslog(.passUnretained(parser))
        default:
            return .load
        }
    }

    deinit {
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
