/// The binary contract between the dagron host and a plugin shared object.
///
/// A plugin exports two C symbols:
/// - ``abiVersionSymbol`` (`dagron_plugin_abi_version`) returning the ABI
///   version the plugin was **compiled** with, ``compiledVersion``;
/// - ``factorySymbol`` (`dagron_plugin_create`) returning a retained
///   ``DagronPluginBox``, made with ``DagronPluginBox/export(_:)``.
///
/// ```swift
/// @_cdecl("dagron_plugin_abi_version")
/// public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }
///
/// @_cdecl("dagron_plugin_create")
/// public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(MyPlugin()) }
/// ```
public enum DagronPluginABI {
    /// The ABI version, inlined into the code that reads it. A plugin that
    /// returns this reports the version of the SDK it was built against,
    /// not the one loaded at run time.
    @inlinable
    public static var compiledVersion: UInt32 { 1 }

    /// The ABI version of the SDK actually loaded in this process (the host's).
    @_spi(DagronHost) public static var runtimeVersion: UInt32 { 1 }

    /// The SDK's release version.
    public static var sdkVersion: String { "1.0.0" }

    /// The exported symbol that returns the plugin's ABI version.
    public static var abiVersionSymbol: String { "dagron_plugin_abi_version" }

    /// The exported symbol that creates the plugin (the default factory).
    public static var factorySymbol: String { "dagron_plugin_create" }
}
