import CSystemShims
import Glibc

/// A resolved TCP address to connect to: the first IPv4 address `getaddrinfo` gives, else its first address.
struct SocketTarget: @unchecked Sendable {
    let family: Int32
    private(set) var storage = sockaddr_storage()
    let length: socklen_t

    init(host: String, port: UInt16) throws(BenchError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, var first = list else {
            throw .unresolvableHost(host)
        }
        defer { freeaddrinfo(list) }
        // Prefer IPv4: `localhost` often resolves to ::1 first while servers listen on 127.0.0.1.
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let candidate = entry {
            if candidate.pointee.ai_family == AF_INET {
                first = candidate
                break
            }
            entry = candidate.pointee.ai_next
        }
        family = first.pointee.ai_family
        length = first.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
    }

    /// `connect(2)` on a non-blocking socket: 0, or -1 with errno (EINPROGRESS while the handshake runs).
    func connect(_ fd: Int32) -> Int32 {
        withUnsafeBytes(of: storage) { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}
