/// A plugin named in a pipeline's `plugins:` table, with its settings as written.
public struct PluginDeclaration: Sendable {
    /// One setting value and where it is written.
    public struct Setting: Sendable, Equatable {
        /// The value before `${VAR}` expansion.
        public var raw: String
        /// The 1-based line of the value.
        public var line: Int
        /// The 1-based column of the value.
        public var column: Int

        /// Creates a setting.
        public init(raw: String, line: Int = 0, column: Int = 0) {
            self.raw = raw
            self.line = line
            self.column = column
        }
    }

    /// The plugin's name.
    public var name: String
    /// The settings, by key, unexpanded.
    public var settings: [String: Setting]
    /// The 1-based line of the plugin's entry.
    public var line: Int

    /// Creates a declaration.
    public init(name: String, settings: [String: Setting] = [:], line: Int = 0) {
        self.name = name
        self.settings = settings
        self.line = line
    }
}
