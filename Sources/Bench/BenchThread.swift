#if canImport(Glibc)
import Glibc
#endif
import CSystemShims

/// A plain pthread running one closure; ``join()`` waits for it.
final class BenchThread: @unchecked Sendable {
    private var thread = pthread_t()

    init(name: String, _ body: @escaping @Sendable () -> Void) throws(BenchError) {
        let box = Unmanaged.passRetained(Box {
            _ = sluice_set_thread_name(name)
            body()
        })
        let code = pthread_create(&thread, nil, { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, box.toOpaque())
        guard code == 0 else {
            box.release()
            throw .system(call: "pthread_create", errno: code)
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
