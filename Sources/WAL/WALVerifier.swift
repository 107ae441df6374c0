import WALFormat
import EventModel

/// What ``WALVerifier`` found wrong in the logs.
public struct WALVerifyReport: Sendable {
    public struct Problem: Sendable, Equatable {
        public var repository: String
        public var segment: String
        public var offset: Int
        public var reason: String
    }

    public var problems: [Problem] = []
    public var repositories = 0
    public var segments = 0
    public var records = 0
    public var events = 0

    public var isClean: Bool { problems.isEmpty }
}

/// Checks every segment header, record checksum, event layout and sequence of the logs under a data
/// directory, without changing anything.
///
/// Guarantees: read-only; never traps on damaged files; every damaged record, unreadable segment,
/// sequence gap inside a log, torn tail and non-zero byte run inside a zero-filled reserve is one
/// ``WALVerifyReport/Problem``.
public enum WALVerifier {
    public static func verify(dataDirectory: String, repository: String?) -> WALVerifyReport {
        verify(dataDirectory: dataDirectory, repository: repository, fs: PosixFileSystem())
    }

    static func verify(dataDirectory: String, repository: String?, fs: any SegmentFileSystem) -> WALVerifyReport {
        var report = WALVerifyReport()
        let repos = SegmentDirectory.reposPath(dataDirectory)
        let folders: [String]
        if let repository {
            guard let folder = RepositoryName.escape(repository) else {
                report.problems.append(.init(repository: repository, segment: repos, offset: 0, reason: "not a valid repository name"))
                return report
            }
            folders = [folder]
        } else {
            do throws(SegmentIOError) {
                folders = try fs.list(repos).sorted()
            } catch {
                report.problems.append(.init(repository: "", segment: repos, offset: 0, reason: error.description))
                return report
            }
        }
        var decoder = WALRecordDecoder()
        var batch = EventBatch()
        for folder in folders {
            let name = RepositoryName.unescape(folder) ?? folder
            let directory = SegmentDirectory(dataDirectory: dataDirectory, escapedRepository: folder)
            let segments: [SegmentRef]
            do throws(SegmentIOError) {
                segments = try directory.segments(fs)
            } catch {
                report.problems.append(.init(repository: name, segment: directory.path, offset: 0, reason: error.description))
                continue
            }
            if segments.isEmpty {
                report.problems.append(.init(repository: name, segment: directory.path, offset: 0, reason: "no segments"))
                continue
            }
            report.repositories += 1
            var expected: UInt64?
            for segment in segments {
                report.segments += 1
                func problem(_ offset: Int, _ reason: String) {
                    report.problems.append(.init(repository: name, segment: segment.path, offset: offset, reason: reason))
                }
                if let expected, segment.firstSequence != expected {
                    problem(0, "segment starts at sequence \(segment.firstSequence), the previous one ended at \(expected)")
                }
                expected = segment.firstSequence
                do throws(SegmentIOError) {
                    let file = try fs.openForReading(segment.path)
                    defer { file.close() }
                    let version: UInt16
                    switch try SegmentScanner.readHeader(file) {
                    case .complete(let header) where header.firstSequence == segment.firstSequence: version = header.version
                    case .complete: problem(0, "segment header names another first sequence"); continue
                    case .needMore: problem(0, "segment shorter than its header"); continue
                    case .invalid(let reason): problem(0, reason); continue
                    case .newer(let version): problem(0, SegmentHeader.newerVersionReason(version)); continue
                    }
                    var scanner = SegmentScanner(file: file, fileSize: try file.size(), version: version)
                    scanning: while true {
                        switch try scanner.next() {
                        case .record(let header, let offset):
                            report.records += 1
                            report.events += header.eventCount
                            if header.firstSequence != expected {
                                problem(offset, "record sequence \(header.firstSequence), expected \(expected!)")
                            }
                            expected = header.nextSequence
                            batch.removeAll()
                            let failure = scanner.withRecord { record in
                                decoder.decodePayload(UnsafeRawBufferPointer(rebasing: record[WALFormat.recordHeaderSize...]), header: header, into: &batch)
                            }
                            if let failure { problem(offset, failure) }
                        case .end:
                            break scanning
                        case .reserve(let offset):
                            let dataEnd = try scanner.dataEnd(from: offset)
                            if dataEnd > offset {
                                problem(offset, "\(dataEnd - offset) bytes of data after the start of the zero-filled reserve")
                                expected = nil
                            }
                            break scanning
                        case .torn(let offset, let reason), .corrupt(let offset, let reason):
                            problem(offset, reason)
                            expected = nil
                            break scanning
                        }
                    }
                } catch {
                    problem(0, error.description)
                    expected = nil
                }
            }
        }
        return report
    }
}
