#if canImport(Glibc)
import Glibc
#endif
import POSIX
import Synchronization

/// How a request parked for replication (`--ack-after replicated`) ends.
public enum ReplicationOutcome: Sendable, Equatable {
    /// Every JetStream target of the repository acknowledged the records.
    case replicated
    /// The bound passed before they did (the records stay in the WAL and are forwarded later).
    case timedOut
    /// The repository forwards to no JetStream target, so nothing can acknowledge its records.
    case noTarget
    /// The gateway stopped before they were acknowledged.
    case stopped
}

/// What waits for a repository's records to be replicated: told once, on whichever thread settles it.
public protocol ReplicationWaiter: AnyObject, Sendable {
    func replicationSettled(_ outcome: ReplicationOutcome)
}

/// The "replicated up to WAL sequence" watermark of every repository that forwards to JetStream, and the
/// requests parked until it passes their records.
///
/// Each JetStream forwarder reports the sequence after the last record whose every message its stream
/// acknowledged (``advance(repository:target:to:)``); a repository's watermark is the lowest over its
/// JetStream targets. A request parks with the sequence after its last record (``park(repository:end:waiter:)``)
/// and is told ``ReplicationOutcome/replicated`` once the watermark reaches it, or
/// ``ReplicationOutcome/timedOut`` when ``expire(nowNanos:)`` finds it older than the timeout. Nothing here
/// runs on an event loop or blocks one: parking and settling take one short lock, and waiters are told
/// outside it. Per request it stores one entry in a reused array; nothing per event.
public final class ReplicationWatermarks: Sendable {
    public let timeoutNanos: UInt64
    private let gates = Mutex<[String: Gate]>([:])

    public init(timeoutSeconds: Double) {
        timeoutNanos = UInt64(max(0.001, timeoutSeconds) * 1e9)
    }

    /// One repository's targets' acknowledged sequences and its parked requests, in the order they parked
    /// (so their deadlines only grow; their ends grow too except across a multi-repository request).
    final class Gate: Sendable {
        struct Parked {
            var end: UInt64
            var deadline: UInt64
            var waiter: ReplicationWaiter
        }
        struct State {
            var acknowledged: [String: UInt64] = [:]
            var watermark: UInt64 = 0
            var parked: [Parked] = []
            var head = 0
            /// The sessions of the repository's JetStream forwarders, poked at each park.
            var wakers: [AckTracker] = []
        }
        let state = Mutex(State())
    }

    /// Makes `targets` the repository's JetStream targets (`acknowledged` gives a new target's starting
    /// point, its checkpoint); with none the repository's parked requests are told ``ReplicationOutcome/noTarget``.
    public func setTargets(repository: String, targets: [String], acknowledged: (String) -> UInt64) {
        if targets.isEmpty {
            guard let gate = gates.withLock({ $0.removeValue(forKey: repository) }) else { return }
            settleAll(gate, .noTarget)
            return
        }
        let gate = gates.withLock { gates in
            if let gate = gates[repository] { return gate }
            let gate = Gate()
            gates[repository] = gate
            return gate
        }
        let released = gate.state.withLock { state -> [ReplicationWaiter] in
            var next: [String: UInt64] = [:]
            for target in targets { next[target] = state.acknowledged[target] ?? acknowledged(target) }
            state.acknowledged = next
            return Self.release(&state)
        }
        for waiter in released { waiter.replicationSettled(.replicated) }
    }

    /// Drops every repository not in `keep` (their parked requests are told ``ReplicationOutcome/noTarget``).
    public func retain(repositories keep: Set<String>) {
        let dropped = gates.withLock { gates -> [Gate] in
            let names = gates.keys.filter { !keep.contains($0) }
            return names.compactMap { gates.removeValue(forKey: $0) }
        }
        for gate in dropped { settleAll(gate, .noTarget) }
    }

    /// Whether the repository has a JetStream target to wait for.
    public func hasTarget(_ repository: String) -> Bool { gates.withLock { $0[repository] != nil } }

    /// The repository's watermark: every record ending at or below it is acknowledged by every target.
    public func watermark(_ repository: String) -> UInt64? {
        guard let gate = gates.withLock({ $0[repository] }) else { return nil }
        return gate.state.withLock { $0.watermark }
    }

    /// Records that `target` acknowledged every record before `sequence`, and tells the requests this
    /// replicates.
    public func advance(repository: String, target: String, to sequence: UInt64) {
        guard let gate = gates.withLock({ $0[repository] }) else { return }
        let released = gate.state.withLock { state -> [ReplicationWaiter] in
            guard let current = state.acknowledged[target], sequence > current else { return [] }
            state.acknowledged[target] = sequence
            return Self.release(&state)
        }
        for waiter in released { waiter.replicationSettled(.replicated) }
    }

    /// Parks a request whose records in `repository` end before `end`; told at once when they are already
    /// replicated or the repository has no JetStream target.
    public func park(repository: String, end: UInt64, waiter: ReplicationWaiter) {
        guard let gate = gates.withLock({ $0[repository] }) else {
            waiter.replicationSettled(.noTarget)
            return
        }
        let now = MonotonicClock.nanoseconds()
        let wakers = gate.state.withLock { state -> [AckTracker]? in
            if end <= state.watermark { return nil }
            state.parked.append(Gate.Parked(end: end, deadline: now &+ timeoutNanos, waiter: waiter))
            return state.wakers
        }
        guard let wakers else {
            waiter.replicationSettled(.replicated)
            return
        }
        // The records are durable now: the forwarders send them at once instead of at their next poll.
        for tracker in wakers { tracker.poke() }
    }

    /// Makes every later park in `repository` poke `tracker` (a forwarder session following its WAL).
    func wake(repository: String, with tracker: AckTracker) {
        guard let gate = gates.withLock({ $0[repository] }) else { return }
        gate.state.withLock { $0.wakers.append(tracker) }
    }

    func stopWaking(repository: String, _ tracker: AckTracker) {
        guard let gate = gates.withLock({ $0[repository] }) else { return }
        gate.state.withLock { $0.wakers.removeAll { $0 === tracker } }
    }

    /// Tells every request parked longer than the timeout that it timed out.
    public func expire(nowNanos: UInt64 = MonotonicClock.nanoseconds()) {
        let all = gates.withLock { Array($0.values) }
        for gate in all {
            let expired = gate.state.withLock { state -> [ReplicationWaiter] in
                var out: [ReplicationWaiter] = []
                while state.head < state.parked.count, state.parked[state.head].deadline <= nowNanos {
                    out.append(state.parked[state.head].waiter)
                    state.head += 1
                }
                Self.compact(&state)
                return out
            }
            for waiter in expired { waiter.replicationSettled(.timedOut) }
        }
    }

    /// Tells every parked request ``ReplicationOutcome/stopped`` and forgets every repository (at shutdown).
    public func stopAll() {
        let all = gates.withLock { gates in
            defer { gates.removeAll() }
            return Array(gates.values)
        }
        for gate in all { settleAll(gate, .stopped) }
    }

    /// Requests parked now, over every repository.
    public var parkedCount: Int {
        gates.withLock { Array($0.values) }.reduce(0) { total, gate in total + gate.state.withLock { $0.parked.count - $0.head } }
    }

    private func settleAll(_ gate: Gate, _ outcome: ReplicationOutcome) {
        let waiters = gate.state.withLock { state -> [ReplicationWaiter] in
            defer { state.parked.removeAll(); state.head = 0 }
            return state.parked[state.head...].map(\.waiter)
        }
        for waiter in waiters { waiter.replicationSettled(outcome) }
    }

    /// Moves the watermark to the lowest target's and takes the requests it passed, from the front (a
    /// multi-repository request parked behind a later end waits until that one is passed too).
    private static func release(_ state: inout Gate.State) -> [ReplicationWaiter] {
        state.watermark = state.acknowledged.values.min() ?? 0
        var out: [ReplicationWaiter] = []
        while state.head < state.parked.count, state.parked[state.head].end <= state.watermark {
            out.append(state.parked[state.head].waiter)
            state.head += 1
        }
        compact(&state)
        return out
    }

    private static func compact(_ state: inout Gate.State) {
        if state.head == state.parked.count {
            state.parked.removeAll(keepingCapacity: true)
            state.head = 0
        } else if state.head > 1024 {
            state.parked.removeFirst(state.head)
            state.head = 0
        }
    }
}
