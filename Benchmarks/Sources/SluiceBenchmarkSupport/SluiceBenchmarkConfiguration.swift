import Benchmark

/// The configuration every Sluice suite runs with, so their figures and thresholds read the same way.
///
/// Guarantees: each benchmark reports wall-clock time, throughput and `mallocCountTotal`, and carries a
/// tolerance for each of them (a metric without one would be compared strictly: any change a regression). The
/// strict gate is the allocation count, which is deterministic: a tolerance of two per measured iteration, so
/// one allocation per event or per operation in an inner loop of a thousand always fails the check. Times are
/// measured on two cores shared with other work, where a benchmark's p90 can come out several times its
/// recorded figure and normal on the next run (perf/history.md); so a time fails only past five times the
/// recorded p90 (a tripwire for gross regressions that noise here does not reach), and throughput, which is the
/// same measurement inverted and would fail on a quiet machine as an "improvement", is left to the wall-clock
/// gate. Compare baselines (`benchmark baseline compare`) for finer work. CPU time is left out: on Linux it is
/// sampled in 10 ms ticks, coarser than one measured iteration here.
///
/// Benchmark names use no spaces or slashes: package-benchmark 1.38.1 writes a threshold file with those
/// replaced by `_` but reads it back under the name as given, so such a benchmark would never be checked.
public enum SluiceBenchmarkConfiguration {
    public static var metrics: [BenchmarkMetric] { [.wallClock, .throughput, .mallocCountTotal] }

    public static var thresholds: [BenchmarkMetric: BenchmarkThresholds] { [
        .wallClock: BenchmarkThresholds(relative: [.p90: 400.0]),
        .throughput: BenchmarkThresholds(relative: [.p90: 1000.0]),
        .mallocCountTotal: BenchmarkThresholds(absolute: [.p50: 2, .p90: 2]),
    ] }

    /// `scalingFactor` is the number of operations one measured iteration performs (`benchmark.scaledIterations`),
    /// so per-operation figures are reported for operations far shorter than the clock's resolution.
    public static func configuration(
        scalingFactor: BenchmarkScalingFactor = .one, maxDuration: Duration = .seconds(1)
    ) -> Benchmark.Configuration {
        .init(
            metrics: metrics,
            timeUnits: .automatic,
            warmupIterations: 20,
            scalingFactor: scalingFactor,
            maxDuration: maxDuration,
            maxIterations: 100_000,
            thresholds: thresholds
        )
    }
}
