/// One loop's spare read buffers of the standard size. A connection holds a read buffer only while it has
/// bytes to read or unanswered bytes buffered: it takes one when input arrives and gives it back once
/// everything it read is answered, so an idle keep-alive connection holds none (as nginx frees an idle
/// connection's buffer). At most ``maxPooled`` spares are kept; beyond that a returned buffer is freed.
/// Used on the loop's thread only.
struct ReadBufferPool {
    let bufferSize: Int
    let maxPooled: Int
    private var spares: [[UInt8]] = []

    init(bufferSize: Int, maxPooled: Int) {
        self.bufferSize = bufferSize
        self.maxPooled = maxPooled
    }

    var pooledCount: Int { spares.count }

    /// A buffer of exactly ``bufferSize`` bytes: a spare, or a new one.
    mutating func take() -> [UInt8] {
        spares.popLast() ?? [UInt8](repeating: 0, count: bufferSize)
    }

    /// Takes `buffer` (leaving it empty); keeps it as a spare when it has the standard size and there is room.
    mutating func give(_ buffer: inout [UInt8]) {
        var taken: [UInt8] = []
        swap(&taken, &buffer)
        if taken.count == bufferSize, spares.count < maxPooled { spares.append(taken) }
    }
}
