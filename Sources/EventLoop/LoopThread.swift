#if canImport(Glibc)
import Glibc
#endif
import CSystemShims

/// A plain pthread running one closure; ``join()`` waits for it.
final class LoopThread: @unchecked Sendable {
    private var thread = pthread_t()

    init(name: String, _ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let box = Unmanaged.passRetained(Box {
            _ = sluice_set_thread_name(name)
            body()
        })
        let result = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw SystemError("pthread_create", errno: result)
        }
    }

    func join() {
        pthread_join(thread, nil)
    }

    private final class Box {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
