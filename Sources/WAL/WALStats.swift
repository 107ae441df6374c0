/// Per-repository figures of the logs under a data directory.
public struct WALRepositoryStats: Sendable, Equatable {
    public var repository: String
    public var segments = 0
    /// Segment file sizes, including the zero-filled reserve of the active segment.
    public var bytesOnDisk = 0
    public var bytesUncompressed = 0
    public var records = 0
    public var events = 0
    public var firstSequence: UInt64?
    public var lastSequence: UInt64?
    public var minTimestamp: Int64?
    public var maxTimestamp: Int64?
    /// Records or segments that could not be read (see `sluice wal verify`).
    public var damaged = 0
}

/// Reads every record header of every log to sum up what is stored.
///
/// Guarantees: read-only; damaged parts are counted in ``WALRepositoryStats/damaged`` and skipped.
public enum WALStats {
    public static func collect(dataDirectory: String) -> [WALRepositoryStats] {
        collect(dataDirectory: dataDirectory, fs: PosixFileSystem())
    }

    /// The bytes `repository`'s segment files take on disk (0 when it has no log yet), from file sizes
    /// alone: nothing is opened or read, so it is cheap enough to answer an admin query.
    public static func bytesOnDisk(dataDirectory: String, repository: String) -> Int {
        bytesOnDisk(dataDirectory: dataDirectory, repository: repository, fs: PosixFileSystem())
    }

    static func bytesOnDisk(dataDirectory: String, repository: String, fs: any SegmentFileSystem) -> Int {
        guard let folder = RepositoryName.escape(repository) else { return 0 }
        let directory = SegmentDirectory(dataDirectory: dataDirectory, escapedRepository: folder)
        return ((try? directory.segments(fs)) ?? []).reduce(0) { $0 + (fs.info($1.path)?.size ?? 0) }
    }

    static func collect(dataDirectory: String, fs: any SegmentFileSystem) -> [WALRepositoryStats] {
        let folders = (try? fs.list(SegmentDirectory.reposPath(dataDirectory)).sorted()) ?? []
        return folders.map { folder in
            var stats = WALRepositoryStats(repository: RepositoryName.unescape(folder) ?? folder)
            let directory = SegmentDirectory(dataDirectory: dataDirectory, escapedRepository: folder)
            for segment in (try? directory.segments(fs)) ?? [] {
                stats.segments += 1
                stats.bytesOnDisk += fs.info(segment.path)?.size ?? 0
                guard let file = try? fs.openForReading(segment.path), let size = try? file.size() else {
                    stats.damaged += 1
                    continue
                }
                defer { file.close() }
                guard case .complete(let header) = try? SegmentScanner.readHeader(file) else {
                    stats.damaged += 1
                    continue
                }
                var scanner = SegmentScanner(file: file, fileSize: size, version: header.version)
                while let step = try? scanner.next() {
                    guard case .record(let header, _) = step else {
                        switch step {
                        case .end, .reserve: break
                        default: stats.damaged += 1
                        }
                        break
                    }
                    stats.records += 1
                    stats.events += header.eventCount
                    stats.bytesUncompressed += header.uncompressedLength
                    stats.firstSequence = stats.firstSequence ?? header.firstSequence
                    stats.lastSequence = header.nextSequence - 1
                    stats.minTimestamp = min(stats.minTimestamp ?? .max, header.minTimestamp)
                    stats.maxTimestamp = max(stats.maxTimestamp ?? .min, header.maxTimestamp)
                }
            }
            return stats
        }
    }
}
