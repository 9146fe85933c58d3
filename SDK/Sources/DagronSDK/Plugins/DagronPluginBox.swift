/// The object a plugin factory hands to the host.
///
/// The factory returns `Unmanaged.passRetained(box).toOpaque()`; the host takes
/// the retained object back and recovers the box with a checked `as?` cast.
/// If that cast fails, the plugin carries its own copy of DagronSDK (it linked
/// the SDK statically) instead of using the host's `libDagronSDK.so`.
public final class DagronPluginBox: Sendable {
    /// The plugin instance.
    public let plugin: any DagronPlugin

    /// Wraps `plugin`.
    public init(_ plugin: any DagronPlugin) {
        self.plugin = plugin
    }

    /// Creates the box and returns it retained, as the factory symbol must.
    public static func export(_ plugin: any DagronPlugin) -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(DagronPluginBox(plugin)).toOpaque()
    }

    /// Takes ownership of what a factory returned and recovers the plugin
    /// with a checked cast.
    ///
    /// - Returns: The plugin, or the dynamic type name of the object when it
    ///   is not a box of this SDK.
    @_spi(DagronHost) public static func take(_ pointer: UnsafeMutableRawPointer) -> Result<
        any DagronPlugin, UnexpectedFactoryResult
    > {
        let object = Unmanaged<AnyObject>.fromOpaque(pointer).takeRetainedValue()
        if let box = object as? DagronPluginBox { return .success(box.plugin) }
        return .failure(UnexpectedFactoryResult(typeName: String(reflecting: type(of: object))))
    }
}

/// A factory returned an object that is not this SDK's ``DagronPluginBox``.
@_spi(DagronHost) public struct UnexpectedFactoryResult: Error, Sendable {
    /// The dynamic type of what the factory returned.
    public let typeName: String
}
