@_spi(DagronHost) import DagronSDK

/// An error carried in a ``ChildFrame/failed`` frame. A
/// ``PluginSettingsError`` keeps its case, so that dagron can say which
/// setting (and where it was written) as it does for in-process plugins;
/// any other error travels as its description.
enum RemoteFailure {
    static func encode(_ error: any Error, into writer: inout WireWriter) {
        switch error as? PluginSettingsError {
        case .missing(let plugin, let key)?:
            writer.byte(1)
            writer.string(plugin)
            writer.string(key)
        case .malformed(let plugin, let key, let value, let expected)?:
            writer.byte(2)
            writer.string(plugin)
            writer.string(key)
            writer.string(value)
            writer.string(expected)
        case .unknownKeys(let plugin, let keys)?:
            writer.byte(3)
            writer.string(plugin)
            writer.count(keys.count)
            for key in keys { writer.string(key) }
        default:
            writer.byte(0)
            // A load error's path is the host's to add.
            writer.string((error as? PluginLoadError)?.reason ?? String(describing: error))
        }
    }

    static func decode(_ reader: inout WireReader) throws(WireError) -> any Error {
        switch try reader.byte() {
        case 1:
            return PluginSettingsError.missing(plugin: try reader.string(), key: try reader.string())
        case 2:
            return PluginSettingsError.malformed(
                plugin: try reader.string(), key: try reader.string(), value: try reader.string(),
                expected: try reader.string())
        case 3:
            let plugin = try reader.string()
            let count = try reader.count(limit: 100_000)
            var keys: [String] = []
            for _ in 0..<count { keys.append(try reader.string()) }
            return PluginSettingsError.unknownKeys(plugin: plugin, keys: keys)
        default:
            return IsolatedPluginError(description: try reader.string())
        }
    }
}
