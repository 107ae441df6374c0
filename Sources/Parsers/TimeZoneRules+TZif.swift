#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a zone could not be resolved.
enum TimeZoneError: Error, Equatable {
    case unknownZone
    case invalidFile
}

extension TimeZoneRules {
    /// Resolves a zone name: `UTC`/`Z`/`GMT`, a fixed offset (`+02:00`, `-0500`, `UTC+2`), or an IANA name
    /// read from `directory` (the system's tz database). Called when a pipeline is compiled, never per event.
    static func resolve(_ name: String, directory: String = "/usr/share/zoneinfo") throws(TimeZoneError) -> TimeZoneRules {
        let upper = name.uppercased()
        if upper == "UTC" || upper == "Z" || upper == "GMT" || upper == "ETC/UTC" { return .fixed(name: name, offsetSeconds: 0) }
        var offsetText = Array(name.utf8)
        if upper.hasPrefix("UTC") || upper.hasPrefix("GMT") { offsetText.removeFirst(3) }
        if let first = offsetText.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            if offsetText.count == 2 || offsetText.count == 3 {  // "+2", "-10"
                var digits = 0
                for b in offsetText.dropFirst() {
                    guard TimestampParser.isDigit(b) else { throw .unknownZone }
                    digits = digits * 10 + Int(b - 48)
                }
                guard digits <= 18 else { throw .unknownZone }
                return .fixed(name: name, offsetSeconds: (first == UInt8(ascii: "-") ? -1 : 1) * digits * 3600)
            }
            let parsed = offsetText.withUnsafeBytes { TimestampParser.zoneOffset($0, 0, allowBare: false) }
            guard let (offset, end) = parsed, end == offsetText.count else { throw .unknownZone }
            return .fixed(name: name, offsetSeconds: offset)
        }
        let valid = !name.isEmpty && !name.hasPrefix("/") && !name.contains("..")
            && name.utf8.allSatisfy { KeyValueScanner.isKeyByte($0) || $0 == UInt8(ascii: "+") }
        guard valid, let bytes = readFile(directory + "/" + name) else { throw .unknownZone }
        return try parseTZif(bytes, name: name)
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let read = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 8192, file) }
            if read <= 0 { break }
            result.append(contentsOf: chunk[0..<read])
            if result.count > 1 << 20 { return nil }
        }
        return result
    }

    /// Reads a TZif file (RFC 8536), preferring the 64-bit version 2+ block.
    static func parseTZif(_ bytes: [UInt8], name: String) throws(TimeZoneError) -> TimeZoneRules {
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        func i32(_ at: Int) -> Int64 { Int64(Int32(bitPattern: UInt32(u32(at)))) }
        func i64(_ at: Int) -> Int64 { Int64(bitPattern: UInt64(u32(at)) << 32 | UInt64(u32(at + 4))) }
        struct Header { var isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt: Int }
        func header(_ at: Int) throws(TimeZoneError) -> Header {
            guard bytes.count >= at + 44, bytes[at] == 0x54, bytes[at + 1] == 0x5A, bytes[at + 2] == 0x69, bytes[at + 3] == 0x66
            else { throw .invalidFile }
            return Header(isutcnt: u32(at + 20), isstdcnt: u32(at + 24), leapcnt: u32(at + 28),
                          timecnt: u32(at + 32), typecnt: u32(at + 36), charcnt: u32(at + 40))
        }
        var h = try header(0)
        var at = 44
        var timeSize = 4
        if bytes[4] >= UInt8(ascii: "2") {
            let v1Length = h.timecnt * 5 + h.typecnt * 6 + h.charcnt + h.leapcnt * 8 + h.isstdcnt + h.isutcnt
            h = try header(44 + v1Length)
            at = 44 + v1Length + 44
            timeSize = 8
        }
        let needed = h.timecnt * (timeSize + 1) + h.typecnt * 6
        guard h.typecnt > 0, bytes.count >= at + needed else { throw .invalidFile }
        var transitions: [Int64] = []
        transitions.reserveCapacity(h.timecnt)
        for index in 0..<h.timecnt {
            transitions.append(timeSize == 8 ? i64(at + index * 8) : i32(at + index * 4))
        }
        let indexStart = at + h.timecnt * timeSize
        let typeStart = indexStart + h.timecnt
        var typeOffsets: [Int32] = []
        for type in 0..<h.typecnt {
            typeOffsets.append(Int32(truncatingIfNeeded: i32(typeStart + type * 6)))
        }
        var offsets: [Int32] = []
        offsets.reserveCapacity(h.timecnt)
        for index in 0..<h.timecnt {
            let type = Int(bytes[indexStart + index])
            guard type < h.typecnt else { throw .invalidFile }
            offsets.append(typeOffsets[type])
        }
        var footer: PosixTimeZoneRule? = nil
        if timeSize == 8 {
            // v2+: after the data block, the footer "\n<POSIX TZ string>\n".
            var k = typeStart + h.typecnt * 6 + h.charcnt + h.leapcnt * 12 + h.isstdcnt + h.isutcnt
            if k < bytes.count, bytes[k] == 0x0A {
                k += 1
                let start = k
                while k < bytes.count, bytes[k] != 0x0A { k += 1 }
                if k < bytes.count { footer = PosixTimeZoneRule(Array(bytes[start..<k])) }
            }
        }
        return TimeZoneRules(name: name, transitions: transitions, offsets: offsets,
                             initialOffset: typeOffsets[0], footer: footer)  // RFC 8536: type 0 before the first transition
    }
}

extension TimeZoneRules {
    /// The machine's zone: `TZ` if set (a name or `:name`), else `/etc/localtime`, else UTC.
    static let system: TimeZoneRules = {
        if let tz = getenv("TZ") {
            var name = String(cString: tz)
            if name.hasPrefix(":") { name.removeFirst() }
            if let rules = try? resolve(name) { return rules }
        }
        if let bytes = readFile("/etc/localtime"), let rules = try? parseTZif(bytes, name: "localtime") { return rules }
        return .utc
    }()
}
