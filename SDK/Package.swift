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
                // Every block reached only by a jump starts a 64-byte line (the
                // padding before it is never executed). Without it, where the
                // loop of `HookRegistry.fire` falls moves with every change to
                // the SDK (new public symbols move `.text`): one that put it
                // across a page boundary cost 1.5-2 ns a fire (hook_fire_3cb
                // 15-16.5 ns against 12.7-13.9 ns aligned; the .so grows 5%).
                .unsafeFlags(["-Xllvm", "-align-all-nofallthru-blocks=6"], .when(configuration: .release)),
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
