#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with one condition variable on the monotonic clock, for queues whose consumer thread
/// sleeps until work arrives or a deadline passes (``Synchronization/Mutex`` has no condition variable).
///
/// Lock and unlock report nothing: a default glibc mutex fails only on misuse (unlocking one not held),
/// which ``withLock(_:)`` rules out for its callers.
public final class ConditionMutex: @unchecked Sendable {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline let condition: UnsafeMutablePointer<pthread_cond_t>

    public init() throws(SystemError) {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        var result = pthread_mutex_init(mutex, nil)
        guard result == 0 else {
            mutex.deallocate()
            condition.deallocate()
            throw SystemError("pthread_mutex_init", errno: result)
        }
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        defer { pthread_condattr_destroy(&attributes) }
        result = pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        if result == 0 { result = pthread_cond_init(condition, &attributes) }
        guard result == 0 else {
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
            condition.deallocate()
            throw SystemError("pthread_cond_init", errno: result)
        }
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    @inlinable
    public func lock() { pthread_mutex_lock(mutex) }

    @inlinable
    public func unlock() { pthread_mutex_unlock(mutex) }

    @inlinable
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes one waiting thread (with or without the mutex held).
    @inlinable
    public func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiting thread (with or without the mutex held).
    @inlinable
    public func broadcast() { pthread_cond_broadcast(condition) }

    /// With the mutex held: releases it, sleeps until signalled (or woken spuriously: callers loop on their
    /// condition), and takes it again.
    public func wait() {
        let result = pthread_cond_wait(condition, mutex)
        precondition(result == 0, "\(SystemError("pthread_cond_wait", errno: result))")
    }

    /// ``wait()`` that also returns when the monotonic clock reaches `deadline` (nanoseconds); false when
    /// it returned because the deadline passed.
    public func wait(untilMonotonicNanos deadline: UInt64) -> Bool {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        let result = pthread_cond_timedwait(condition, mutex, &time)
        if result == ETIMEDOUT { return false }
        precondition(result == 0, "\(SystemError("pthread_cond_timedwait", errno: result))")
        return true
    }
}
