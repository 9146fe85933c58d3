import DagronSDK
import SlurmPlugin

/// The plugin ABI version this library was built against.
@_cdecl("dagron_plugin_abi_version")
public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

/// Creates the `slurm` plugin.
@_cdecl("dagron_plugin_create")
public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(SlurmExecutorPlugin()) }
