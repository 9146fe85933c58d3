// swift-tools-version: 6.2
// DagronSDK: the one module a dagron plugin links against.
//
// It lives in its own package so that SwiftPM links it *dynamically* into the
// host and into every plugin (see docs/plugin-abi.md): a same-package
// target would be copied statically into each product, and two copies of the
// SDK in one process break `as?` casts and duplicate global state.
import PackageDescription

let package = Package(
    name: "SDK",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DagronSDK", type: .dynamic, targets: ["DagronSDK"])
    ],
    targets: [
        .target(
            name: "DagronSDK",
            swiftSettings: [
                // Library evolution + a textual interface: third-party plugins
                // build against `DagronSDK.swiftinterface`, and a plugin built
                // against SDK 1.x keeps working when 1.y adds fields.
                .unsafeFlags(["-enable-library-evolution", "-emit-module-interface"]),
                // An import is internal unless marked `public import`, and a
                // member is visible only where its module is imported: the
                // SDK's interface names exactly the modules it depends on.
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("MemberImportVisibility"),
            ]
        ),
        .testTarget(name: "DagronSDKTests", dependencies: ["DagronSDK"]),
    ],
    swiftLanguageModes: [.v6]
)
