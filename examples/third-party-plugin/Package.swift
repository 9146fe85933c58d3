// swift-tools-version: 6.1
// A dagron plugin built outside the dagron repository.
//
// The plugin is a `.dynamic` library product that depends on the DagronSDK
// *product* of the SDK package, so the .so links the shared libDagronSDK.so
// (NEEDED) instead of carrying its own copy: two copies of the SDK in one
// process break the host's type checks.
import PackageDescription

let package = Package(
    name: "node-stats-plugin",
    products: [
        .library(name: "NodeStats", type: .dynamic, targets: ["NodeStats"])
    ],
    dependencies: [
        // Point this at your checkout of dagron's SDK package (the `SDK/` folder)
        // by its absolute path once you copy this folder elsewhere, e.g.
        //   .package(path: "/home/you/src/dagron/SDK"),
        // or at a git repository that contains it at its root:
        //   .package(url: "https://example.com/your-org/dagron-sdk.git", from: "1.0.0"),
        .package(path: "../../SDK")
    ],
    targets: [
        .target(
            name: "NodeStats",
            dependencies: [.product(name: "DagronSDK", package: "SDK")]
        ),
        .testTarget(
            name: "NodeStatsTests",
            dependencies: ["NodeStats", .product(name: "DagronSDK", package: "SDK")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
