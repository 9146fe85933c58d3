// swift-tools-version: 6.1
// dagron: a DAG engine with a dynamic plugin host.
//
// Dependency arrows point one way: plugins -> DagronSDK <- Dagron (engine) <- dagron (CLI).
// DagronSDK is its own package (SDK/) so that every product here links the
// one shared `libDagronSDK.so` instead of a private static copy.
import PackageDescription

let package = Package(
    name: "dagron",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Dagron", targets: ["Dagron"]),
        .executable(name: "dagron", targets: ["DagronCLI"]),
        // Bundled plugins: each its own shared object, reached only through dlopen.
        // One pattern from the plugin's name (slack-webhook): folder Plugins/SlackWebhook,
        // target SlackWebhookPlugin, product DagronSlackWebhook, libDagronSlackWebhook.so.
        .library(name: "DagronEventRecorder", type: .dynamic, targets: ["EventRecorderPlugin"]),
        .library(name: "DagronLogging", type: .dynamic, targets: ["LoggingPlugin"]),
        .library(name: "DagronTiming", type: .dynamic, targets: ["TimingPlugin"]),
        .library(name: "DagronPrometheusText", type: .dynamic, targets: ["PrometheusTextPlugin"]),
        .library(name: "DagronSlackWebhook", type: .dynamic, targets: ["SlackWebhookPlugin"]),
        .library(name: "DagronDashboard", type: .dynamic, targets: ["DashboardPlugin"]),
        // Node executors: each product is the one-file entry target (the two
        // exported symbols) over the executor's own target.
        .library(name: "DagronSlurm", type: .dynamic, targets: ["SlurmPluginEntry"]),
        .library(name: "DagronClusterGeneric", type: .dynamic, targets: ["ClusterGenericPluginEntry"]),
    ],
    dependencies: [
        .package(path: "SDK"),
        // The bundled networking plugins' one shared copy of NIO, Hummingbird,
        // AsyncHTTPClient and swift-prometheus (libDagronNetworking.so).
        .package(path: "Networking"),
        // The host: CLI, logging, pipeline files; swift-subprocess runs the
        // cluster executors' tools (sbatch, squeue, ...).
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // Colour on the terminal (`--color`), for the CLI only.
        .package(url: "https://github.com/onevcat/Rainbow", from: "4.2.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // What the plugin and dashboard tests talk to the plugins with (linked
        // into the test binaries only; the plugins get them from Networking/).
        // No traits: nothing here uses swift-configuration or Hummingbird's full
        // Foundation, and traits are unified across the graph.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // The few C calls Swift cannot make (prctl is variadic; stdout and stderr are mutable globals).
        .target(name: "DagronSystemShims"),
        .target(
            name: "Dagron",
            dependencies: [
                "DagronSystemShims",
                .product(name: "DagronSDK", package: "SDK"),
                // Also brings Yams' libyaml (its CYaml module), whose events
                // the pipeline reader composes itself (see YAMLComposer).
                .product(name: "Yams", package: "Yams"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "DagronCLI",
            dependencies: [
                "Dagron",
                "DagronSystemShims",
                .product(name: "DagronSDK", package: "SDK"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Rainbow", package: "Rainbow"),
            ]
        ),
        .target(
            name: "EventRecorderPlugin",
            dependencies: [.product(name: "DagronSDK", package: "SDK")],
            path: "Plugins/EventRecorder"
        ),
        .target(
            name: "LoggingPlugin",
            dependencies: [
                .product(name: "DagronSDK", package: "SDK"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/Logging"
        ),
        .target(
            name: "TimingPlugin",
            dependencies: [.product(name: "DagronSDK", package: "SDK")],
            path: "Plugins/Timing"
        ),
        .target(
            name: "PrometheusTextPlugin",
            dependencies: [
                .product(name: "DagronSDK", package: "SDK"),
                // NIO and the rest from the one shared library, never a static copy.
                .product(name: "DagronNetworking", package: "Networking"),
            ],
            path: "Plugins/PrometheusText"
        ),
        .target(
            name: "SlackWebhookPlugin",
            dependencies: [
                .product(name: "DagronSDK", package: "SDK"),
                // NIO and the rest from the one shared library, never a static copy.
                .product(name: "DagronNetworking", package: "Networking"),
            ],
            path: "Plugins/SlackWebhook"
        ),
        .target(
            name: "DashboardPlugin",
            dependencies: [
                .product(name: "DagronSDK", package: "SDK"),
                // NIO and the rest from the one shared library, never a static copy.
                .product(name: "DagronNetworking", package: "Networking"),
            ],
            path: "Plugins/Dashboard"
        ),
        // What the cluster executors share (batch script, exit file, running
        // tools, the job ledger): linked statically into each, no global state.
        .target(
            name: "ClusterJobSupport",
            dependencies: [
                .product(name: "DagronSDK", package: "SDK"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Plugins/ClusterJobSupport"
        ),
        // An executor's code and its `@_cdecl` exports are separate targets so
        // that ExecutorPluginTests can link both executors into one binary
        // (two `dagron_plugin_create` symbols would collide).
        .target(
            name: "SlurmPlugin",
            dependencies: ["ClusterJobSupport", .product(name: "DagronSDK", package: "SDK")],
            path: "Plugins/Slurm",
            exclude: ["Entry"]
        ),
        .target(
            name: "SlurmPluginEntry",
            dependencies: ["SlurmPlugin", .product(name: "DagronSDK", package: "SDK")],
            path: "Plugins/Slurm/Entry"
        ),
        .target(
            name: "ClusterGenericPlugin",
            dependencies: ["ClusterJobSupport", .product(name: "DagronSDK", package: "SDK")],
            path: "Plugins/ClusterGeneric",
            exclude: ["Entry"]
        ),
        .target(
            name: "ClusterGenericPluginEntry",
            dependencies: ["ClusterGenericPlugin", .product(name: "DagronSDK", package: "SDK")],
            path: "Plugins/ClusterGeneric/Entry"
        ),
        .executableTarget(
            name: "DagronBench",
            dependencies: ["Dagron", .product(name: "DagronSDK", package: "SDK")],
            path: "Benchmarks/DagronBench"
        ),
        // What the end-to-end suites share: the build folder, a dlopen loader
        // and the launcher of the built `dagron`.
        .target(
            name: "TestSupport",
            dependencies: [.product(name: "DagronSDK", package: "SDK")],
            path: "Tests/Support"
        ),
        .testTarget(
            name: "DagronTests",
            dependencies: [
                "Dagron", .product(name: "DagronSDK", package: "SDK"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The bundled plugins, loaded from their built .so files with dlopen
        // (never linked): servers and clients here are the tests' own.
        .testTarget(
            name: "PluginTests",
            dependencies: [
                "Dagron", "TestSupport",
                .product(name: "DagronSDK", package: "SDK"),
                .product(name: "DagronHTTPDate", package: "Networking"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Loads libDagronDashboard.so with dlopen (built by `swift build`), never links it.
        .testTarget(
            name: "DashboardTests",
            dependencies: [
                "Dagron", "TestSupport",
                .product(name: "DagronSDK", package: "SDK"),
                .product(name: "DagronHTTPDate", package: "Networking"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // End-to-end tests of `dagron run/validate/graph/gate`: they run the
        // built `dagron` binary (build first: `swift build`).
        .testTarget(
            name: "RunTests",
            dependencies: ["Dagron", "TestSupport", .product(name: "DagronSDK", package: "SDK")]
        ),
        // What dagron must survive, tried as an adversarial user would: stray
        // plugin files, hostile values, concurrent runs, hung hooks, idle
        // connections. Real files, real processes, real sockets; runs the built `dagron`.
        .testTarget(
            name: "ReliabilityTests",
            dependencies: ["Dagron", "DagronSystemShims", "TestSupport", .product(name: "DagronSDK", package: "SDK")]
        ),
        // Executor plugins end to end against the real one-node Slurm that
        // scripts/test.sh starts (scripts/slurm-cluster.sh); runs the built `dagron`.
        .testTarget(
            name: "ClusterTests",
            dependencies: ["TestSupport"]
        ),
        // The slurm and cluster-generic executors: their parsers linked
        // directly, and real jobs on a real Slurm (scripts/test.sh starts one).
        .testTarget(
            name: "ExecutorPluginTests",
            dependencies: [
                "SlurmPlugin", "ClusterGenericPlugin", "ClusterJobSupport", "TestSupport",
                .product(name: "DagronSDK", package: "SDK"),
            ]
        ),
        // The plugin host end to end: builds broken plugins, loads them, runs `dagron plugins`.
        .testTarget(
            name: "HostTests",
            dependencies: ["Dagron", "TestSupport", .product(name: "DagronSDK", package: "SDK")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Every Swift target, as in SDK/: an import is internal unless written
// `public import` (a module's API names exactly the modules it exposes), and
// a member is visible only in files that import its module.
for target in package.targets where target.name != "DagronSystemShims" {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("InternalImportsByDefault"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
