/// What `dagron plugins info NAME --json` prints: everything the text form shows.
struct PluginInfoJSON: Encodable {
    /// Where the plugin was declared.
    struct Declaration: Encodable {
        /// `manifest` (a `dagron.plugins` line), `directory` (a dropped-in file) or `explicit`.
        let kind: String
        /// The manifest file, for `manifest`.
        @Nullable var file: String? = nil
        /// The manifest line, for `manifest`.
        @Nullable var line: Int? = nil
        /// The factory symbol the plugin is created with.
        let factory: String
        /// The plugin directory, for `directory`.
        @Nullable var directory: String? = nil
    }

    /// Another file that answers to the same name and lost to this one.
    struct Other: Encodable {
        let path: String
        let status: String
        @Nullable var error: String? = nil
    }

    let name: String
    @Nullable var version: String? = nil
    @Nullable var summary: String? = nil
    /// `loaded`, `failed`, `refused`, `shadowed`, or the quarantine's fault kind (`crashed`, ...).
    let status: String
    let path: String
    @Nullable var abi: UInt32? = nil
    let declared: Declaration
    /// The manifest's default settings, secrets left out.
    let defaults: [String: String]
    /// The names of secret settings (values never shown).
    let secrets: [String]
    /// The plugin's declared settings (its schema), in order; `null` when it declares none.
    @Nullable var settings: [PluginSettingJSON]? = nil
    @Nullable var error: String? = nil
    /// The events the plugin registers callbacks for, with how many callbacks each;
    /// `null` when they could not be learned (see ``hooksError``).
    @Nullable var hooks: [String: Int]? = nil
    /// The priority of each callback, by event, in firing order; `null` with ``hooks``.
    @Nullable var priorities: [String: [Int]]? = nil
    /// Why the hooks could not be learned.
    @Nullable var hooksError: String? = nil
    /// The quarantine entry, when the plugin is quarantined.
    @Nullable var quarantine: QuarantineJSON? = nil
    /// Other files with the same name.
    let also: [Other]
}
