import EventModel

/// A pipeline's stages at a fixed address for the pipeline's lifetime, so that running a stage borrows it
/// in place. Iterating an array of them copied each element, retaining and releasing the stage's box; the
/// pipeline is shared by every event loop, so two cores bumped the same reference counts per event and
/// fought over their cache lines (perf, access-log ingest: retain and release were 15 % of the time).
///
/// Guarantees: holds exactly the stages it was made from, in order, and frees them with itself; never
/// mutated after init, so sharing it between threads is safe.
final class StageList: @unchecked Sendable {
    private let base: UnsafeMutablePointer<ParserStage>
    /// Per stage, whether it is `accesslog`, which is run without loading the stage at all: loading it
    /// still retains its box (the compiler cannot see that the pointer keeps it alive).
    private let isAccessLog: UnsafeMutablePointer<Bool>
    let count: Int

    init(_ stages: [ParserStage]) {
        count = stages.count
        base = .allocate(capacity: max(1, stages.count))
        base.initialize(from: stages, count: stages.count)
        isAccessLog = .allocate(capacity: max(1, stages.count))
        for (index, stage) in stages.enumerated() {
            if case .accessLog = stage { (isAccessLog + index).initialize(to: true) } else { (isAccessLog + index).initialize(to: false) }
        }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
        isAccessLog.deallocate()
    }

    /// Runs stage `index` (0 ..< count) in place.
    @inline(__always)
    func run(_ index: Int, _ batch: inout EventBatch, scratch: ParseScratch) -> StaticString? {
        precondition(index >= 0 && index < count)
        if isAccessLog[index] { return ParserStage.runAccessLog(&batch, scratch: scratch) }
        return base[index].run(&batch, scratch: scratch)
    }
}
