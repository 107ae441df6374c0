// swift-tools-version:6.0
import PackageDescription

/// Release builds skip the dynamic exclusivity checks on the hot-path modules (debug builds and tests keep
/// them): measured with callgrind on `GET /api/v1/status`, the checks were about 12 % of all instructions.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceGateway", targets: ["Gateway"]),
        // For the nested Benchmarks package.
        .library(name: "SluiceTokens", targets: ["Tokens"]),
        .library(name: "SluiceHTTPWire", targets: ["HTTPWire"]),
        .library(name: "SluiceEventModel", targets: ["EventModel"]),
        .library(name: "SluiceParsers", targets: ["Parsers"]),
        .library(name: "SluiceIngestFormats", targets: ["IngestFormats"]),
        .library(name: "SluiceWAL", targets: ["WAL"]),
        .library(name: "SluiceWALFormat", targets: ["WALFormat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/GraphQLSwift/GraphQL", from: "4.3.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // System libraries (Debian -dev packages, found through pkg-config).
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CNATS", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // What Glibc does not export: epoll, accept4, signalfd, eventfd, timerfd; hardware CRC32C.
        .target(name: "CSystemShims"),
        // Header only: SSE2 byte scans JSONStream's string scanner inlines.
        .systemLibrary(name: "CByteScan"),
        // The one POSIX layer: syscall wrapper (EINTR retried, EAGAIN as a result, errors thrown), thread,
        // clocks, mutex with condition variable.
        .target(name: "POSIX", dependencies: ["CSystemShims"], swiftSettings: hotPath),

        // Pure logic: no sockets, no threads, fuzzable alone.
        .target(name: "HTTPWire", dependencies: ["CZlib", "CZstd"], swiftSettings: hotPath),
        .target(name: "EventModel", swiftSettings: hotPath),
        .target(name: "JSONStream", dependencies: ["CByteScan"], swiftSettings: hotPath),
        .target(name: "Parsers", dependencies: ["EventModel", "JSONStream", "CPCRE2"], swiftSettings: hotPath),
        .target(name: "IngestFormats", dependencies: ["EventModel", "JSONStream", "Parsers"], swiftSettings: hotPath),

        // Stateful pieces.
        .target(name: "Tokens", dependencies: [
            "COpenSSL", "EventModel", "JSONStream", "Parsers", "CSystemShims", "WAL", "POSIX", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: hotPath),
        // The WAL's on-disk format: segment header, record codec, layout, scanner. Pure (files behind a protocol), fuzzed alone.
        .target(name: "WALFormat", dependencies: ["EventModel", "CLZ4", "CSystemShims"], swiftSettings: hotPath),
        .target(name: "WAL", dependencies: [
            "WALFormat", "EventModel", "JSONStream", "CLZ4", "CSystemShims", "CByteScan", "POSIX", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: hotPath),
        // TLS sessions over non-blocking sockets (OpenSSL), server side for the loops, client side for the bench.
        .target(name: "TLSSocket", dependencies: ["COpenSSL"], swiftSettings: hotPath),
        .target(name: "EventLoop", dependencies: [
            "CSystemShims", "COpenSSL", "TLSSocket", "HTTPWire", "POSIX", "EventModel", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: hotPath),
        .target(name: "Admin", dependencies: [
            "Tokens", "WAL", "EventModel", "JSONStream", "Parsers", "POSIX", .product(name: "Logging", package: "swift-log"),
            .product(name: "GraphQL", package: "GraphQL"),
        ]),
        .target(name: "Gateway", dependencies: [
            "Admin", "EventLoop", "HTTPWire", "EventModel", "JSONStream", "Parsers", "IngestFormats", "Tokens", "WAL", "WALFormat", "CSystemShims",
            "Forwarding", "POSIX", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: hotPath),
        // Delivery of repositories' WALs to JetStream (docs/forwarding.md): WAL followers on threads of their own.
        .target(name: "Forwarding", dependencies: [
            "CNATS", "CZstd", "WAL", "WALFormat", "EventModel", "Tokens", "CSystemShims", "Bench", "TLSSocket", "POSIX", .product(name: "Logging", package: "swift-log"),
        ]),
        // The load generator behind `sluice bench`: its own epoll client loops, payloads, schedule, summary.
        .target(name: "Bench", dependencies: [
            "HTTPWire", "JSONStream", "CSystemShims", "CZlib", "TLSSocket", "POSIX", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .executableTarget(name: "sluice", dependencies: [
            "Gateway", "Tokens", "WAL", "WALFormat", "Parsers", "Bench", "Forwarding",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "HTTPWireTests", dependencies: ["HTTPWire", "CZstd"]),
        .testTarget(name: "EventModelTests", dependencies: ["EventModel"]),
        .testTarget(name: "JSONStreamTests", dependencies: ["JSONStream"]),
        .testTarget(name: "ParsersTests", dependencies: ["Parsers", "EventModel"]),
        .testTarget(name: "IngestFormatsTests", dependencies: ["IngestFormats", "EventModel"]),
        .testTarget(name: "TokensTests", dependencies: ["Tokens"]),
        .testTarget(name: "WALTests", dependencies: ["WAL", "WALFormat", "EventModel", "POSIX"]),
        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop", "POSIX", "TLSSocket", "HTTPWire", "COpenSSL", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "TLSSocketTests", dependencies: ["TLSSocket", "COpenSSL"]),
        .testTarget(name: "AdminTests", dependencies: [
            "Admin", "Tokens", "WAL", "EventModel", .product(name: "GraphQL", package: "GraphQL"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway"]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "sluice", "WAL", "EventModel", "CNATS", "Forwarding", "Tokens", .product(name: "Logging", package: "swift-log"),
        ], exclude: ["Clients"]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "HTTPWire", "TLSSocket"]),
        .testTarget(name: "POSIXTests", dependencies: ["POSIX", "CSystemShims"]),
        .testTarget(name: "ForwardingTests", dependencies: ["Forwarding", "WAL", "WALFormat", "EventModel", "Tokens", "CNATS", "CZstd"]),
    ],
    swiftLanguageModes: [.v6]
)
