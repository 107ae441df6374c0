#if canImport(Glibc)
import CSystemShims
import Glibc
#endif
import POSIX

/// A `HOST:PORT` listen address (`127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:0`, `localhost:8080`).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; IPv6 hosts go in brackets.
    public init?(parsing text: String) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  text[text.index(after: close)...].hasPrefix(":"),
                  let port = UInt16(text[text.index(close, offsetBy: 2)...]) else { return nil }
            self.init(host: String(text[text.index(after: text.startIndex)..<close]), port: port)
        } else {
            guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
            let host = String(text[..<colon])
            guard !host.isEmpty, !host.contains(":") else { return nil }
            self.init(host: host == "localhost" ? "127.0.0.1" : host, port: port)
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Listening sockets: non-blocking, `SO_REUSEPORT` so every loop binds its own socket on the same address.
enum ListeningSocket {
    static func open(_ address: ListenAddress, backlog: Int32 = 1024) throws(SystemError) -> (fd: Int32, port: UInt16) {
        let isV6 = address.host.contains(":")
        let fd = sluiceSocket(isV6 ? AF_INET6 : AF_INET)
        guard fd >= 0 else { throw SystemError("socket", errno: errno) }
        do throws(SystemError) {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            try setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1)
            if isV6 {
                var addr = sockaddr_in6()
                addr.sin6_family = sa_family_t(AF_INET6)
                addr.sin6_port = address.port.bigEndian
                guard inet_pton(AF_INET6, address.host, &addr.sin6_addr) == 1 else { throw SystemError("inet_pton(\(address.host))", errno: EINVAL) }
                try bind(fd, &addr, socklen_t(MemoryLayout<sockaddr_in6>.size))
            } else {
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = address.port.bigEndian
                guard inet_pton(AF_INET, address.host, &addr.sin_addr) == 1 else { throw SystemError("inet_pton(\(address.host))", errno: EINVAL) }
                try bind(fd, &addr, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
            guard Glibc.listen(fd, backlog) == 0 else { throw SystemError("listen", errno: errno) }
            return (fd, try boundPort(fd))
        } catch {
            Syscall.close(fd)
            throw error
        }
    }

    private static func bind<A>(_ fd: Int32, _ addr: inout A, _ length: socklen_t) throws(SystemError) {
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        guard result == 0 else { throw SystemError("bind", errno: errno) }
    }

    static func boundPort(_ fd: Int32) throws(SystemError) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw SystemError("getsockname", errno: errno) }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(SystemError) {
        guard sluice_set_int_sockopt(fd, level, name, value) == 0 else { throw SystemError("setsockopt", errno: errno) }
    }

    private static func sluiceSocket(_ domain: Int32) -> Int32 {
        sluice_socket_nonblocking(domain, Int32(SOCK_STREAM.rawValue))
    }
}
