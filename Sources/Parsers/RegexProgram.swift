import CPCRE2
import EventModel

/// A PCRE2 pattern compiled once (JIT when available) with limits so that no pattern and no line can
/// stall an event loop: a match limit, a depth limit and a heap limit. Named groups become fields.
/// The compiled code and match context are read-only after `init`, so one program is shared by every
/// thread; match data comes from the caller's ``ParseScratch``.
final class RegexProgram: @unchecked Sendable {
    static let matchLimit: UInt32 = 1_000_000
    static let depthLimit: UInt32 = 10_000
    static let heapLimitKiB: UInt32 = 16 * 1024

    private let code: OpaquePointer
    private let context: OpaquePointer
    let pattern: String
    let captureCount: Int
    /// Capture group number of each named group, and where its field name lies in ``groupNameBytes``
    /// (names flat in one array: a match then copies no array, and retains nothing, per group).
    let namedGroups: [(group: Int, nameStart: Int, nameCount: Int)]
    let groupNameBytes: [UInt8]

    /// Compiles the pattern; the error is PCRE2's message with the offset of the problem.
    init(pattern: String) throws(RegexCompileError) {
        self.pattern = pattern
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let utf8 = Array(pattern.utf8)
        let compiled = utf8.withUnsafeBufferPointer { buffer in
            pcre2_compile_8(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count,
                            UInt32(PCRE2_UTF | PCRE2_MATCH_INVALID_UTF), &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            var message = [UInt8](repeating: 0, count: 256)
            let length = message.withUnsafeMutableBufferPointer { pcre2_get_error_message_8(errorCode, $0.baseAddress, 256) }
            let text = String(decoding: message.prefix(max(0, Int(length))), as: UTF8.self)
            throw RegexCompileError(message: "\(text) at offset \(errorOffset)")
        }
        guard let context = pcre2_match_context_create_8(nil) else {
            pcre2_code_free_8(compiled)
            throw RegexCompileError(message: "out of memory")
        }
        pcre2_set_match_limit_8(context, Self.matchLimit)
        pcre2_set_depth_limit_8(context, Self.depthLimit)
        pcre2_set_heap_limit_8(context, Self.heapLimitKiB)
        _ = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE))  // falls back to the interpreter if JIT is unavailable
        self.code = compiled
        self.context = context

        var captures: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &captures)
        captureCount = Int(captures)
        var nameCount: UInt32 = 0
        var entrySize: UInt32 = 0
        var table: UnsafePointer<UInt8>? = nil
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMECOUNT), &nameCount)
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize)
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_NAMETABLE), &table)
        var groups: [(Int, FieldName)] = []
        if let table {
            for entry in 0..<Int(nameCount) {
                let row = table + entry * Int(entrySize)
                let group = Int(row[0]) << 8 | Int(row[1])
                var name: [UInt8] = []
                var k = 2
                while k < Int(entrySize), row[k] != 0 { name.append(row[k]); k += 1 }
                groups.append((group, FieldName(bytes: name)))
            }
        }
        var flat: [(group: Int, nameStart: Int, nameCount: Int)] = []
        var bytes: [UInt8] = []
        for (group, name) in groups.sorted(by: { $0.0 < $1.0 }) {
            flat.append((group, bytes.count, name.bytes.count))
            bytes += name.bytes.buffer
        }
        namedGroups = flat
        groupNameBytes = bytes
    }

    deinit {
        pcre2_match_context_free_8(context)
        pcre2_code_free_8(code)
    }

    enum Outcome: Equatable {
        case matched
        case noMatch
        case limitExceeded
        case failed
    }

    /// Matches the input and, on a match, sets a field for every named group that took part.
    func run(_ input: StageInput, into batch: inout EventBatch, scratch: ParseScratch) -> Outcome {
        guard let matchData = scratch.matchData(pairs: captureCount + 1),
              let subject = input.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return .failed }
        let rc = pcre2_match_8(code, subject, input.count, 0, 0, matchData, context)
        if rc < 0 {
            switch rc {
            case PCRE2_ERROR_NOMATCH: return .noMatch
            case PCRE2_ERROR_MATCHLIMIT, PCRE2_ERROR_DEPTHLIMIT, PCRE2_ERROR_HEAPLIMIT, PCRE2_ERROR_JIT_STACKLIMIT:
                return .limitExceeded
            default: return .failed
            }
        }
        let ovector = pcre2_get_ovector_pointer_8(matchData)!
        let pairs = Int(pcre2_get_ovector_count_8(matchData))
        groupNameBytes.withUnsafeBytes { names in
            namedGroups.withUnsafeBufferPointer { groups in
                for named in groups where named.group < pairs {
                    let start = ovector[2 * named.group], end = ovector[2 * named.group + 1]
                    guard start >= 0, start <= end, end <= input.count else { continue }  // PCRE2_UNSET is ~0, -1 as Int
                    let name = UnsafeRawBufferPointer(rebasing: names[named.nameStart..<(named.nameStart + named.nameCount)])
                    batch.addField(name: name, value: input.span(start, end), override: true)
                }
            }
        }
        return .matched
    }
}

/// PCRE2's reason for refusing a pattern.
struct RegexCompileError: Error {
    let message: String
}
