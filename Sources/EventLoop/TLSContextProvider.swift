import Synchronization

/// The TLS context every TLS listener of a server uses for new connections, replaceable at run time.
///
/// Guarantees: ``reload()`` builds and checks a complete new context before swapping it in, so a bad
/// certificate/key pair leaves the previous one serving; the swap is atomic (a new connection sees the
/// old or the new context, never a mix); connections already open keep the context they started with.
public final class TLSContextProvider: Sendable {
    public let files: TLSFiles
    private let current: Mutex<TLSContext>

    /// Builds the first context; throws when the files do not make a usable context.
    public init(files: TLSFiles) throws(TLSError) {
        self.files = files
        current = Mutex(try TLSContext(files: files))
    }

    /// Re-reads the files and swaps the new context in for new connections. On failure the previous
    /// context stays in use and the error says why.
    public func reload() throws(TLSError) {
        let fresh = try TLSContext(files: files)
        let previous = current.withLock { $0 }
        fresh.adoptTicketKeys(from: previous)
        current.withLock { $0 = fresh }
    }

    /// The context new connections start with.
    var context: TLSContext { current.withLock { $0 } }
}
