#if canImport(Glibc)
import WALFormat
import Glibc
#endif
import EventModel

/// One ``WALRecordEncoder`` per thread (pthread-specific storage), so event loops appending batches reuse
/// their scratch buffers without passing an encoder around.
///
/// Guarantees: an encoder is only ever used by the thread that created it; it is freed when the thread exits.
enum ThreadLocalEncoder {
    private final class Box {
        var encoder = WALRecordEncoder()
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let result = pthread_key_create(&key) { pointer in
            guard let pointer else { return }
            Unmanaged<Box>.fromOpaque(pointer).release()
        }
        precondition(result == 0, "pthread_key_create failed: \(result)")
        return key
    }()

    static func encode(_ batch: EventBatch) throws(WALError) -> WALRecord {
        let box: Box
        if let existing = pthread_getspecific(key) {
            box = Unmanaged<Box>.fromOpaque(existing).takeUnretainedValue()
        } else {
            box = Box()
            pthread_setspecific(key, Unmanaged.passRetained(box).toOpaque())
        }
        do throws(WALRecordTooLarge) {
            return try box.encoder.encode(batch)
        } catch {
            throw .recordTooLarge(bytes: error.bytes)
        }
    }

    /// ``WALRecordEncoder/releaseLargeScratch()`` on the calling thread's encoder, if it has one.
    static func releaseLargeScratch() {
        guard let existing = pthread_getspecific(key) else { return }
        Unmanaged<Box>.fromOpaque(existing).takeUnretainedValue().encoder.releaseLargeScratch()
    }
}

extension WALRecordEncoder {
    /// Gives back the calling thread's encoder buffers over the retention limit (the encoder
    /// ``AppendBatch`` and ``RepositoryLog`` use on that thread); for a thread that has gone idle.
    public static func releaseThreadScratch() {
        ThreadLocalEncoder.releaseLargeScratch()
    }
}
