// swift-tools-version: 6.1
// DagronNetworking: the one copy of SwiftNIO, Hummingbird, AsyncHTTPClient and
// swift-prometheus that dagron's bundled networking plugins share.
//
// Like the SDK (SDK/Package.swift), it is its own package so that SwiftPM links
// it *dynamically*: the prometheus-text, slack-webhook and dashboard plugins
// list `NEEDED libDagronNetworking.so` instead of each embedding a private,
// statically linked copy of NIO (42-58 MB and thousands of relocations each).
// The library sits beside the bundled plugins and the host preloads it from
// there (PluginLoader); the host itself never links it.
import PackageDescription

#if os(Linux)
    import Glibc

    /// Whether the C library here reads packed relative relocations (DT_RELR,
    /// glibc 2.36 and later); a library linked with them fails to load on an
    /// older one ("version `GLIBC_ABI_DT_RELR' not found").
    let cLibraryReadsRELR: Bool = {
        var text = [CChar](repeating: 0, count: 64)  // "glibc 2.36"
        guard confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count) > 0,
            let number = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .split(separator: " ").last
        else { return false }
        let version = number.split(separator: ".").compactMap { Int($0) }
        return version.count >= 2 && (version[0], version[1]) >= (2, 36)
    }()
#else
    let cLibraryReadsRELR = false
#endif

let package = Package(
    name: "Networking",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DagronNetworking", type: .dynamic, targets: ["DagronNetworking"]),
        // The `Date` header's text, on its own so that the tests can check
        // it without linking a second copy of NIO (a pure function: the copy
        // in libDagronNetworking.so and a test binary's share nothing).
        .library(name: "DagronHTTPDate", targets: ["DagronHTTPDate"]),
    ],
    dependencies: [
        // No traits: the plugins use neither swift-configuration ("ConfigurationSupport")
        // nor the full Foundation ("FullFoundation", for one DateFormatter), so
        // neither is built or linked.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(name: "DagronHTTPDate"),
        .target(
            name: "DagronNetworking",
            dependencies: [
                "DagronHTTPDate",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ],
            linkerSettings: [
                // A SONAME lets the host preload the library through
                // /proc/self/fd/N (the file it checked) and have the plugins'
                // `NEEDED libDagronNetworking.so` bind to that one copy.
                .unsafeFlags(["-Xlinker", "-soname=libDagronNetworking.so"]),
                // References inside the library bind to the library itself at
                // link time: about 10,000 fewer symbol lookups when it loads
                // (LD_DEBUG=statistics), and nothing outside (the host, a test
                // binary with its own NIO) can interpose on NIO's globals.
                .unsafeFlags(["-Xlinker", "-Bsymbolic"]),
            ]
                // lld, for RELR: the library's 35,000 relative relocations
                // packed into a 9 KB bitmap instead of 850 KB of RELA entries
                // that the dynamic loader reads, and keeps resident, at every
                // load (gold cannot write RELR).
                + (cLibraryReadsRELR
                    ? [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"])] : [])
        ),
    ],
    swiftLanguageModes: [.v6]
)
