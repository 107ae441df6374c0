import Benchmark

/// The configuration every Sluice suite runs with, so their figures and thresholds read the same way.
///
/// Guarantees: each benchmark reports wall-clock time, throughput and `mallocCountTotal`, and carries a
/// tolerance for each of them (a metric without one would be compared strictly: any change a regression).
/// Allocation counts are deterministic and get a tolerance of two per measured iteration, so one allocation
/// per event or per operation in an inner loop of a thousand always fails the check. Times are measured on two
/// cores shared with other work, so their tolerance is wide (a doubling fails; noise should not): read them
/// as a tripwire for gross regressions, and compare baselines on a quiet machine for finer work. CPU time is
/// left out: on Linux it is sampled in 10 ms ticks, coarser than one measured iteration here.
///
/// Benchmark names use no spaces or slashes: package-benchmark 1.38.1 writes a threshold file with those
/// replaced by `_` but reads it back under the name as given, so such a benchmark would never be checked.
public enum SluiceBenchmarkConfiguration {
    public static var metrics: [BenchmarkMetric] { [.wallClock, .throughput, .mallocCountTotal] }

    public static var thresholds: [BenchmarkMetric: BenchmarkThresholds] { [
        .wallClock: BenchmarkThresholds(relative: [.p50: 60.0, .p90: 100.0]),
        .throughput: BenchmarkThresholds(relative: [.p50: 40.0, .p90: 50.0]),
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
