// swift-tools-version:6.0
// Benchmarks live in their own package so nothing here enters the product build.
// Run: cd Benchmarks && swift run -c release TokenBenchmarks
import PackageDescription

let package = Package(
    name: "sluice-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "sluice", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(name: "TokenBenchmarks", dependencies: [
            .product(name: "SluiceTokens", package: "sluice"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
