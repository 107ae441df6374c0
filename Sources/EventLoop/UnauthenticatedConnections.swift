/// One loop's connections that have not yet shown a verified credential, oldest first: an intrusive list
/// through the connections, so joining, leaving and finding the oldest cost O(1) and allocate nothing.
///
/// A client without a token can open connections and trickle bytes on them; keeping such connections under
/// their own limit, and closing the oldest of them when a new connection needs room, means they can never
/// take the places of shippers that authenticated (which left this list with their first accepted head).
/// Used on the loop's thread only.
struct UnauthenticatedConnections {
    private(set) var count = 0
    private(set) var oldest: HTTPConnection?
    private var newest: HTTPConnection?

    mutating func add(_ connection: HTTPConnection) {
        precondition(!connection.isListedUnauthenticated)
        connection.isListedUnauthenticated = true
        connection.olderUnauthenticated = newest
        connection.newerUnauthenticated = nil
        if let newest { newest.newerUnauthenticated = connection } else { oldest = connection }
        newest = connection
        count += 1
    }

    mutating func remove(_ connection: HTTPConnection) {
        guard connection.isListedUnauthenticated else { return }
        connection.isListedUnauthenticated = false
        let older = connection.olderUnauthenticated
        let newer = connection.newerUnauthenticated
        if let older { older.newerUnauthenticated = newer } else { oldest = newer }
        if let newer { newer.olderUnauthenticated = older } else { newest = older }
        connection.olderUnauthenticated = nil
        connection.newerUnauthenticated = nil
        count -= 1
    }
}
