#if canImport(Glibc)
import Glibc
#endif

/// Writes generated lines (one per line, LF-terminated) to a file: the corpus the physical baselines
/// (`lz4 -b`) compress, identical to what `sluice bench` sends for the same seed and event size.
public enum CorpusWriter {
    /// Writes lines until at least `bytes` bytes are written; returns the number of lines.
    @discardableResult
    public static func write(path: String, generator: inout PayloadGenerator, bytes: Int) throws(BenchError) -> Int {
        guard let file = fopen(path, "wb") else { throw .file(path: path, errno: errno) }
        defer { fclose(file) }
        var written = 0
        var lines = 0
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 20)
        while written < bytes {
            chunk.removeAll(keepingCapacity: true)
            while chunk.count < (1 << 20) && written + chunk.count < bytes {
                generator.appendLine(to: &chunk)
                chunk.append(0x0A)
                lines += 1
            }
            let count = chunk.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            guard count == chunk.count else { throw .file(path: path, errno: errno) }
            written += count
        }
        return lines
    }
}
