@_spi(DagronHost) import DagronSDK

/// Why a plugin file could not be loaded. Every case names the file, and its
/// ``description`` says what to do about it.
public enum PluginLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist or cannot be opened.
    case unreadable(path: String, reason: String)
    /// The file or its directory failed the ownership/permission checks.
    case refused(path: String, violation: PluginSafetyViolation)
    /// The file is not an ELF file at all (a text file, a truncated download).
    case notELF(path: String)
    /// The file is ELF but for another machine.
    case wrongArchitecture(path: String, found: String, host: String)
    /// The file is ELF for this machine but not a shared library (a `.o`, an executable).
    case notSharedLibrary(path: String, kind: String)
    /// A required exported symbol is missing.
    case missingSymbol(path: String, symbol: String)
    /// `dlopen` failed because the plugin needs a DagronSDK symbol this host's SDK lacks.
    case undefinedSDKSymbol(path: String, symbol: String, hostSDK: String)
    /// `dlopen` failed for another reason (a missing dependency, for example).
    case openFailed(path: String, message: String)
    /// The plugin was compiled against another plugin ABI.
    case abiMismatch(path: String, plugin: UInt32, host: UInt32, hostSDK: String)
    /// The factory returned an object that is not this SDK's `DagronPluginBox`.
    case notADagronPlugin(path: String, typeName: String)
    /// A manifest entry's name differs from the name the plugin reports.
    case nameMismatch(path: String, manifestName: String, pluginName: String)
    /// The plugin's `configure` or `initialize` threw.
    case initializeFailed(path: String, plugin: String, message: String)
    /// The plugin killed the (probe) process while loading; `output` is the
    /// last line it wrote to standard error, if any.
    case crashed(path: String, signal: Int32, output: String)
    /// The plugin ended the (probe) process while loading (it called `exit`).
    case exited(path: String, status: Int32, output: String)
    /// The plugin did not finish loading in time (probe process killed).
    case timedOut(path: String, seconds: Int)
    /// The plugin's isolated host process could not load it; `reason` is
    /// what that process said (the same words an in-process load would give).
    case failedInIsolatedHost(path: String, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .unreadable(let path, _), .refused(let path, _), .notELF(let path),
            .wrongArchitecture(let path, _, _), .notSharedLibrary(let path, _),
            .missingSymbol(let path, _), .undefinedSDKSymbol(let path, _, _),
            .openFailed(let path, _), .abiMismatch(let path, _, _, _),
            .notADagronPlugin(let path, _), .nameMismatch(let path, _, _),
            .initializeFailed(let path, _, _), .crashed(let path, _, _), .exited(let path, _, _),
            .timedOut(let path, _), .failedInIsolatedHost(let path, _):
            path
        }
    }

    /// Whether the plugin was refused for safety reasons (status `refused`)
    /// rather than failing to load (status `failed`).
    public var isRefusal: Bool {
        if case .refused = self { return true }
        return false
    }

    /// The reason alone, without the path: what `dagron plugins list` shows in its reason column.
    public var reason: String {
        switch self {
        case .unreadable(_, let reason):
            "cannot open: \(reason)"
        case .refused(_, .notRegularFile):
            "refused: \(PluginSafetyViolation.notRegularFile); give the file itself, or set "
                + "\(PluginSafetyPolicy.environmentVariable)=1 to allow it"
        case .refused(_, let violation):
            "refused: \(violation); fix the permissions or set \(PluginSafetyPolicy.environmentVariable)=1 to allow it"
        case .notELF:
            "not an ELF file (not a compiled shared library); build the plugin with swiftc -emit-library or swift build"
        case .wrongArchitecture(_, let found, let host):
            "built for \(found), this host is \(host); rebuild the plugin on/for \(host)"
        case .notSharedLibrary(_, let kind):
            "is \(kind); link it with -emit-library (swiftc) or as a .dynamic library product"
        case .missingSymbol(_, let symbol):
            "does not export '\(symbol)'; a plugin needs @_cdecl(\"\(DagronPluginABI.abiVersionSymbol)\") and @_cdecl(\"\(DagronPluginABI.factorySymbol)\") functions"
        case .undefinedSDKSymbol(_, let symbol, let sdk):
            "uses a DagronSDK symbol this host's SDK \(sdk) lacks (\(symbol)); it was built against a newer DagronSDK: rebuild it against DagronSDK \(sdk) or upgrade dagron"
        case .openFailed(_, let message):
            "dlopen failed: \(message)"
        case .abiMismatch(_, let plugin, let host, let sdk):
            "plugin ABI mismatch: host is \(host), plugin is \(plugin); rebuild against DagronSDK \(sdk) (plugin ABI \(host))"
        case .notADagronPlugin(_, let typeName) where typeName == "a null pointer":
            "the factory returned a null pointer, not a DagronPlugin (it should return DagronPluginBox.export(YourPlugin()))"
        case .notADagronPlugin(_, let typeName):
            "the factory returned \(typeName), not a DagronPlugin; the plugin probably embeds its own copy of DagronSDK (link libDagronSDK.so dynamically: depend on the DagronSDK product or pass -lDagronSDK)"
        case .nameMismatch(_, let manifestName, let pluginName):
            "the manifest calls it '\(manifestName)' but the plugin's name is '\(pluginName)'; fix the name in dagron.plugins"
        case .initializeFailed(_, let plugin, let message):
            "plugin '\(plugin)' failed to initialize: \(message)"
        case .crashed(_, let signal, let output):
            "crashed while loading (signal \(signal), \(Self.signalName(signal)))"
                + (output.isEmpty ? "" : ": \(output)")
        case .exited(_, let status, let output):
            "ended the process while loading (exit status \(status))" + (output.isEmpty ? "" : ": \(output)")
        case .timedOut(_, let seconds):
            "did not finish loading within \(seconds) s (its process was killed)"
        case .failedInIsolatedHost(_, let reason):
            reason
        }
    }

    /// `<path>: <reason>`.
    public var description: String { "\(path): \(reason)" }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 4: "SIGILL"
        case 5: "SIGTRAP"
        case 6: "SIGABRT"
        case 7: "SIGBUS"
        case 8: "SIGFPE"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 15: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}
