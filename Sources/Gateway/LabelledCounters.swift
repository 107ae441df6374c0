/// Counters keyed by their labels, remembering the last key used: a loop counts request after request
/// with the same labels, and comparing those (the same string storage, so `==` does not read the
/// characters) costs far less than hashing them again.
///
/// Guarantees: `update` reaches the same value for equal keys whichever path it takes; `entries` lists
/// each key once, in first-use order.
struct LabelledCounters<Key: Hashable, Value> {
    private var slots: [Key: Int] = [:]
    private var keys: [Key] = []
    private var values: [Value] = []
    private var last = -1

    mutating func update(_ key: Key, default initial: @autoclosure () -> Value, _ change: (inout Value) -> Void) {
        if last >= 0 && keys[last] == key {
            change(&values[last])
            return
        }
        let slot: Int
        if let existing = slots[key] {
            slot = existing
        } else {
            slot = keys.count
            slots[key] = slot
            keys.append(key)
            values.append(initial())
        }
        last = slot
        change(&values[slot])
    }

    var entries: Zip2Sequence<[Key], [Value]> { zip(keys, values) }
}

extension LabelledCounters: Sendable where Key: Sendable, Value: Sendable {}
