import ClusterGenericPlugin
import DagronSDK

/// The plugin ABI version this library was built against.
@_cdecl("dagron_plugin_abi_version")
public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

/// Creates the `cluster-generic` plugin.
@_cdecl("dagron_plugin_create")
public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(ClusterGenericExecutorPlugin()) }
