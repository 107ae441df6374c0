/// Copies byte runs without a `memcpy` call for the short runs log events are mostly made of (field names
/// and values, a few to a few dozen bytes): up to 32 bytes as overlapping word loads and stores, longer
/// runs through `copyMemory`.
///
/// Guarantees: reads exactly `source ..< source + count` and writes exactly `target ..< target + count`
/// (overlapping words stay inside both runs); the runs must not overlap each other.
public enum ShortCopy {
    @inlinable @inline(__always)
    public static func copy(_ source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, count: Int) {
        if count >= 8 {
            if count > 16 {
                guard count <= 32 else {
                    target.copyMemory(from: source, byteCount: count)
                    return
                }
                let a = source.loadUnaligned(as: UInt64.self), b = source.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                let c = source.loadUnaligned(fromByteOffset: count - 16, as: UInt64.self)
                let d = source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                target.storeBytes(of: a, as: UInt64.self)
                target.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
                target.storeBytes(of: c, toByteOffset: count - 16, as: UInt64.self)
                target.storeBytes(of: d, toByteOffset: count - 8, as: UInt64.self)
                return
            }
            let head = source.loadUnaligned(as: UInt64.self)
            let tail = source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            target.storeBytes(of: head, as: UInt64.self)
            target.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
        } else if count >= 4 {
            let head = source.loadUnaligned(as: UInt32.self)
            let tail = source.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
            target.storeBytes(of: head, as: UInt32.self)
            target.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
        } else if count > 0 {
            target.storeBytes(of: source.load(as: UInt8.self), as: UInt8.self)
            if count > 1 {
                target.storeBytes(of: source.load(fromByteOffset: 1, as: UInt8.self), toByteOffset: 1, as: UInt8.self)
                target.storeBytes(of: source.load(fromByteOffset: count - 1, as: UInt8.self), toByteOffset: count - 1, as: UInt8.self)
            }
        }
    }
}
