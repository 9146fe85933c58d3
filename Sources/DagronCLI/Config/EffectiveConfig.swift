import Dagron
import Foundation

/// The values a run would use and where each comes from: what `dagron
/// config` shows (and prints as JSON with `--json`).
///
/// The sources, highest precedence first: `command_line` (`--max-workers`,
/// `--plugin`, `--set`), `environment` (`DAGRON_PLUGIN_<NAME>_<KEY>`),
/// `pipeline` (the pipeline file, when one is given), `config` (the user
/// configuration file), `manifest` (a plugin's `dagron.plugins` defaults) and
/// `default` (dagron's own). Nothing here loads plugin code: manifests are
/// read, plugins are not.
struct EffectiveConfig: Encodable {
    /// Where a value comes from.
    struct Source: Encodable {
        /// `command_line`, `environment`, `pipeline`, `config`, `manifest` or `default`.
        let source: String
        /// `file:line:column`, the variable, or the flag; `null` for a default.
        @Nullable var location: String? = nil

        /// `config /home/me/.config/dagron/config.yaml:3:10`, for the text form.
        var text: String { location.map { "\(source) \($0)" } ?? source }
    }

    /// The effective `max_workers`.
    struct MaxWorkers: Encodable {
        let value: Int
        let from: Source
    }

    /// A plugin a run would load.
    struct Plugin: Encodable {
        let name: String
        let from: Source
    }

    /// One plugin setting a run would give.
    struct Setting: Encodable {
        let plugin: String
        let key: String
        /// The value after `${VAR}` expansion; `<secret, not shown>` for a setting whose name marks it secret.
        let value: String
        let from: Source
    }

    /// The user configuration file's path (`null` without `HOME` or `XDG_CONFIG_HOME`).
    @Nullable var configFile: String? = nil
    /// Whether that file exists.
    let configFileExists: Bool
    /// The pipeline file given, if any.
    @Nullable var pipeline: String? = nil
    let maxWorkers: MaxWorkers
    /// The plugins, in load order.
    let plugins: [Plugin]
    /// Every setting of those plugins, by plugin then key.
    let settings: [Setting]
}
