@_spi(DagronHost) public import DagronSDK
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Loads one plugin shared object into this process.
///
/// The steps, each failing with a ``PluginLoadError`` that names the file:
/// 1. open the file with `O_NOFOLLOW | O_CLOEXEC` and `fstat` the
///    descriptor; under ``PluginSafetyPolicy/strict`` refuse it unless it and
///    every directory above it are owned by the user or root and not
///    group/other-writable (sticky directories excepted);
/// 2. read the ELF header: not ELF, another architecture, not a shared library;
/// 3. read the dynamic symbol table: both ABI symbols must be defined;
/// 4. load the libraries the plugin needs that sit beside it and are not in
///    the process yet (``preloadDependencies(of:image:descriptor:)``), then
///    `dlopen("/proc/self/fd/N", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)`,
///    so the file checked is the file loaded; a missing DagronSDK symbol
///    means the plugin was built against a newer SDK;
/// 5. the ABI handshake (`dagron_plugin_abi_version` must equal
///    ``DagronPluginABI/runtimeVersion``);
/// 6. the factory, and a checked cast with ``DagronPluginBox/take(_:)``.
///
/// Loaded images are never `dlclose`d (see docs/plugin-abi.md): the Swift
/// runtime keeps pointers into their metadata, and the descriptor a plugin was
/// loaded through stays open (close-on-exec) so that its `/proc/self/fd/N`
/// name stays unique. Loading the same file twice maps it once and calls
/// its factory again, giving a fresh instance.
///
/// A plugin that crashes in its factory takes the process with it; hosts that
/// must survive that probe in a child process (``IsolatedPluginProbe``).
public struct PluginLoader: Sendable {
    /// The ownership/permission policy.
    public var policy: PluginSafetyPolicy

    /// Creates a loader; by default strict unless `DAGRON_ALLOW_INSECURE_PLUGINS` is set.
    public init(policy: PluginSafetyPolicy = .current()) {
        self.policy = policy
    }

    /// Loads `candidate` and checks that a manifest name matches the plugin's.
    /// `knownName` (a probe's answer for a dropped-in file) names the plugin
    /// in ``PluginLoadTracker`` while it loads.
    public func load(_ candidate: PluginCandidate, knownName: String? = nil) throws(PluginLoadError) -> LoadedPlugin {
        let loaded = try load(
            file: candidate.path, factorySymbol: candidate.factorySymbol, candidate: candidate,
            knownName: knownName ?? candidate.declaredName)
        if let declared = candidate.declaredName, declared != loaded.plugin.name {
            throw .nameMismatch(path: candidate.path, manifestName: declared, pluginName: loaded.plugin.name)
        }
        return loaded
    }

    /// Loads the plugin in `file`, calling `factorySymbol`.
    public func load(file: String, factorySymbol: String = DagronPluginABI.factorySymbol) throws(PluginLoadError)
        -> LoadedPlugin
    {
        try load(
            file: file, factorySymbol: factorySymbol,
            candidate: PluginCandidate(path: PluginSearchPath.absolute(file), factorySymbol: factorySymbol),
            knownName: nil)
    }

    /// Runs steps 1–4 and returns the `dlopen` handle, checking that the
    /// file defines `symbols`. Libraries the plugin needs that sit beside it
    /// are loaded first, under the same checks (``preloadDependencies(of:image:descriptor:)``).
    public func open(file path: String, requiring symbols: [String]) throws(PluginLoadError) -> UnsafeMutableRawPointer
    {
        let (fd, image) = try openChecked(file: path)
        // On success the descriptor stays open for the life of the process:
        // glibc recognizes an already-loaded object by the *name* passed to
        // dlopen, so reusing a descriptor number would hand back the plugin
        // loaded earlier through "/proc/self/fd/N". Plugins are never
        // unloaded anyway (the descriptor is close-on-exec).
        var keepOpen = false
        defer { if !keepOpen { close(fd) } }
        if let symbol = image.firstMissingDynamicSymbol(among: symbols, descriptor: fd) {
            throw .missingSymbol(path: path, symbol: symbol)
        }
        try preloadDependencies(of: path, image: image, descriptor: fd)

        _ = dlerror()
        guard let handle = dlopen("/proc/self/fd/\(fd)", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown error"
            if let symbol = Self.undefinedSDKSymbol(in: message) {
                throw .undefinedSDKSymbol(path: path, symbol: symbol, hostSDK: DagronPluginABI.sdkVersion)
            }
            throw .openFailed(path: path, message: message.replacingOccurrences(of: "/proc/self/fd/\(fd)", with: path))
        }
        keepOpen = true
        return handle
    }

    /// Steps 1 and 2 for a plugin or a library beside it: opens `path`
    /// (`O_NOFOLLOW` under the strict policy), checks ownership and
    /// permissions, and that it is a shared library for this machine. The
    /// caller owns the returned descriptor.
    func openChecked(file path: String) throws(PluginLoadError) -> (descriptor: Int32, image: ELFImage) {
        // O_NONBLOCK: a FIFO named like a plugin must not block the open
        // until a writer comes; it is refused below as not a regular file.
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (policy == .strict ? O_NOFOLLOW : 0)
        let fd = Glibc.open(path, flags)
        if fd < 0 {
            let code = errno
            if code == ELOOP { throw .refused(path: path, violation: .notRegularFile) }
            throw .unreadable(path: path, reason: String(cString: strerror(code)))
        }
        var keepOpen = false
        defer { if !keepOpen { close(fd) } }

        var file = stat()
        guard fstat(fd, &file) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        // A directory is a wrong argument, not a safety matter: say so.
        if (file.st_mode & S_IFMT) == S_IFDIR {
            throw .unreadable(path: path, reason: "is a directory, not a plugin file (give the .so inside it)")
        }
        let directoryPath = (path as NSString).deletingLastPathComponent
        if let violation = policy.violation(file: file, directoryPath: directoryPath) {
            throw .refused(path: path, violation: violation)
        }
        guard (file.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadable(path: path, reason: "not a regular file")
        }

        let image: ELFImage
        do { image = try ELFImage(descriptor: fd) } catch {
            switch error {
            case .notELF: throw .notELF(path: path)
            case .unreadable(let reason): throw .unreadable(path: path, reason: reason)
            }
        }
        guard image.matchesHost else {
            let found =
                image.fileClass == 1 && image.machine == ELFImage.hostMachine
                ? image.architectureName + " (32-bit)" : image.architectureName
            throw .wrongArchitecture(
                path: path, found: found, host: ELFImage.architectureName(machine: ELFImage.hostMachine))
        }
        guard image.type == 3 else { throw .notSharedLibrary(path: path, kind: image.typeName) }
        keepOpen = true
        return (fd, image)
    }

    private func load(file path: String, factorySymbol: String, candidate: PluginCandidate, knownName: String?)
        throws(PluginLoadError) -> LoadedPlugin
    {
        // Constructors (in dlopen) and the factory are the plugin's code:
        // a crash or a hang there is told by this record.
        PluginLoadTracker.begin(path: path, name: knownName)
        defer { PluginLoadTracker.end() }
        let handle = try open(file: path, requiring: [DagronPluginABI.abiVersionSymbol, factorySymbol])
        // Never dlclose: see the type's documentation.
        guard let abiAddress = dlsym(handle, DagronPluginABI.abiVersionSymbol) else {
            throw .missingSymbol(path: path, symbol: DagronPluginABI.abiVersionSymbol)
        }
        typealias ABIFunction = @convention(c) () -> UInt32
        let abi = unsafeBitCast(abiAddress, to: ABIFunction.self)()
        guard abi == DagronPluginABI.runtimeVersion else {
            throw .abiMismatch(
                path: path, plugin: abi, host: DagronPluginABI.runtimeVersion, hostSDK: DagronPluginABI.sdkVersion)
        }
        guard let factoryAddress = dlsym(handle, factorySymbol) else {
            throw .missingSymbol(path: path, symbol: factorySymbol)
        }
        typealias Factory = @convention(c) () -> UnsafeMutableRawPointer?
        guard let object = unsafeBitCast(factoryAddress, to: Factory.self)() else {
            throw .notADagronPlugin(path: path, typeName: "a null pointer")
        }
        switch DagronPluginBox.take(object) {
        case .success(let plugin):
            return LoadedPlugin(plugin: plugin, path: path, abiVersion: abi, candidate: candidate)
        case .failure(let unexpected):
            throw .notADagronPlugin(path: path, typeName: unexpected.typeName)
        }
    }

    /// The mangled DagronSDK symbol in a `dlopen` "undefined symbol" message, if any.
    static func undefinedSDKSymbol(in message: String) -> String? {
        guard let range = message.range(of: "undefined symbol: ") else { return nil }
        let symbol = message[range.upperBound...].prefix { !$0.isWhitespace && $0 != "," && $0 != ")" }
        // Swift mangles module DagronSDK as `9DagronSDK`.
        guard symbol.contains("9DagronSDK") else { return nil }
        return String(symbol)
    }
}

/// A plugin instance created from a shared object.
public struct LoadedPlugin: Sendable {
    /// The instance the factory returned (not yet configured or initialized).
    public var plugin: any DagronPlugin
    /// The file it came from.
    public var path: String
    /// The ABI version the plugin reported.
    public var abiVersion: UInt32
    /// The candidate it was loaded from (manifest settings included).
    public var candidate: PluginCandidate

    /// The manifest's default settings for the plugin, as ``PluginSettings``.
    public var defaultSettings: PluginSettings {
        PluginSettings(plugin: plugin.name, candidate.settings)
    }
}
