// swift-tools-version:6.1
// Benchmarks live in their own package so nothing here enters the product build (see README.md here).
// package-benchmark suites, one per hot module (Benchmarks/<Suite>/), with committed thresholds in Thresholds/:
//   cd Benchmarks && swift package benchmark                    (run and print)
//   cd Benchmarks && swift package benchmark thresholds check   (non-zero exit on a deviation past the thresholds)
//   cd Benchmarks && swift package --allow-writing-to-package-directory benchmark thresholds update   (re-record)
// The older plain token benchmark (1 000 000 tokens, snapshot reload): swift run -c release TokenBenchmarks
import PackageDescription

let sluiceSuites: [(name: String, products: [String])] = [
    ("HTTPWireBenchmarks", ["SluiceHTTPWire"]),
    ("TokensBenchmarks", ["SluiceTokens"]),
    ("IngestFormatsBenchmarks", ["SluiceIngestFormats", "SluiceEventModel"]),
    ("ParsersBenchmarks", ["SluiceParsers", "SluiceEventModel"]),
    ("WALBenchmarks", ["SluiceWAL", "SluiceEventModel", "SluiceIngestFormats"]),
]

let package = Package(
    name: "sluice-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sluice", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(name: "TokenBenchmarks", dependencies: [
            .product(name: "SluiceTokens", package: "sluice"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Shared by the suites: the common configuration (metrics, thresholds) and the reproducible corpus.
        .target(name: "SluiceBenchmarkSupport", dependencies: [
            .product(name: "Benchmark", package: "package-benchmark"),
        ]),
    ] + sluiceSuites.map { suite in
        .executableTarget(
            name: suite.name,
            dependencies: [.product(name: "Benchmark", package: "package-benchmark"), "SluiceBenchmarkSupport"]
                + suite.products.map { .product(name: $0, package: "sluice") },
            path: "Benchmarks/\(suite.name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        )
    },
    swiftLanguageModes: [.v6]
)
