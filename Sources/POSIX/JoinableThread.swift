#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Synchronization

/// A plain pthread running one closure, for the threads that own a loop or a queue (event loops, WAL
/// writers, forwarders, bench workers) and block in system calls, which Swift concurrency's pool must not.
/// ``join()`` waits for it; a thread that is never joined is detached when the last reference goes, so its
/// resources are released when it ends.
public final class JoinableThread: @unchecked Sendable {
    private var thread = pthread_t()
    /// Whether the thread was joined (or never started); held during `pthread_join`, so every caller of
    /// ``join()`` returns only once the thread has ended.
    private let joined = Mutex(false)

    /// Starts the thread; `name` (at most 15 characters are kept) shows in `top -H` and `/proc`.
    public init(name: String? = nil, _ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let box = Unmanaged.passRetained(Body {
            if let name { _ = sluice_set_thread_name(name) }
            body()
        })
        let result = pthread_create(&thread, nil, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            joined.withLock { $0 = true }
            throw SystemError("pthread_create", errno: result)
        }
    }

    deinit {
        if !joined.withLock({ $0 }) { pthread_detach(thread) }
    }

    /// Waits until the thread's closure has returned; at once when it was joined before. `pthread_join` can
    /// fail here only when the thread joins itself (a deadlock in the making), which stops the process.
    public func join() {
        joined.withLock { joined in
            guard !joined else { return }
            let result = pthread_join(thread, nil)
            precondition(result == 0, "\(SystemError("pthread_join", errno: result))")
            joined = true
        }
    }

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
