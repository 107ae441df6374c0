/// When records became durable, as a forwarder saw the log's durable watermark move: the answer to "how long
/// ago was the first record not yet forwarded written" (pure: the caller passes the clock).
///
/// Guarantees: a sample (s, t) says every record below sequence s was durable by time t, so the time given
/// for a record is never earlier than when it was written (the lag is never overstated by more than
/// ``mergeNanos``); memory is bounded (at most ``capacity`` samples: when full, every other one goes, which
/// only coarsens the times of records far behind).
struct WrittenTimes {
    static let capacity = 1024
    /// Watermark moves closer together than this share one sample.
    static let mergeNanos: UInt64 = 10_000_000
    private(set) var samples: [(sequence: UInt64, nanos: UInt64)] = []

    /// Notes that the records below `durable` were durable at `nanos`.
    mutating func observe(durable: UInt64, at nanos: UInt64) {
        guard let last = samples.last else {
            samples.append((durable, nanos))
            return
        }
        guard durable > last.sequence else { return }
        if nanos &- last.nanos < Self.mergeNanos {
            samples[samples.count - 1].sequence = durable
            return
        }
        if samples.count >= Self.capacity {
            samples = samples.enumerated().filter { $0.offset % 2 == 1 }.map { $0.element }
        }
        samples.append((durable, nanos))
    }

    /// Notes when the record ending before `nextSequence` was written, known from its events (the first
    /// record a session reads was written before the session saw the watermark move).
    mutating func seed(recordEnd nextSequence: UInt64, writtenAt nanos: UInt64) {
        guard let first = samples.first else { return }
        if first.sequence >= nextSequence && first.nanos >= nanos { samples.insert((nextSequence, nanos), at: 0) }
    }

    /// When the record at `sequence` (the first not yet forwarded) was durable at the latest; nil when the
    /// watermark was never seen past it (nothing to forward). Forgets the samples of records before it.
    mutating func writtenNanos(of sequence: UInt64) -> UInt64? {
        var drop = 0
        while drop < samples.count, samples[drop].sequence <= sequence { drop += 1 }
        if drop > 0 { samples.removeFirst(drop) }
        return samples.first?.nanos
    }

    mutating func reset() { samples.removeAll(keepingCapacity: true) }
}
