/// A plugin that needs the host settings of its own entry (see
/// ``PluginHostSettings``): ``PluginManager`` hands them over before it
/// configures the plugin. Isolated plugins use it for their stall timeout.
public protocol HostSettingsAware: Sendable {
    /// Receives the reserved settings of the plugin's entry.
    func useHostSettings(_ settings: PluginHostSettings)
}
