import CSystemShims

/// The process's malloc settings for a long-running gateway: memory a large request needed goes back to
/// the system once the request is done.
public enum AllocatorTuning {
    /// Allocations of at least this size are mapped on their own and unmapped when freed.
    public static let mmapThresholdBytes: Int32 = 1 << 20
    /// Free memory at the top of a heap is returned to the system beyond this much.
    public static let trimThresholdBytes: Int32 = 4 << 20

    /// Fixes glibc's mmap and trim thresholds. By default glibc raises the mmap threshold to the size of
    /// each mapped block it frees, so after one 32 MiB request the next large buffers come from its heaps,
    /// which it seldom returns, so RSS stays high after large requests whose buffers have all been freed
    /// (perf/large-request-memory.sh measures it). The trim threshold is set well above the default 128 KiB
    /// (which fixing the mmap threshold would otherwise leave), so that a heap is not trimmed and regrown on
    /// every large access-log request. Process-wide; call once at start-up.
    public static func apply() {
        _ = sluice_set_malloc_thresholds(mmapThresholdBytes, trimThresholdBytes)
    }
}
