import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension PluginLoader {
    /// Loads the shared libraries a plugin needs that sit beside it, such as
    /// `libDagronNetworking.so`, the one copy of SwiftNIO, Hummingbird and
    /// AsyncHTTPClient that the bundled prometheus-text, slack-webhook and
    /// dashboard plugins share.
    ///
    /// A plugin is loaded as `/proc/self/fd/N` (so the file checked is the file
    /// loaded), which makes the dynamic linker's `$ORIGIN` for it
    /// `/proc/self/fd`: a `NEEDED` library next to the plugin file would not be
    /// found. So for each `DT_NEEDED` name of the plugin that is not in the
    /// process yet and names a file in the plugin's folder whose `DT_SONAME`
    /// is that name, the library is checked like a plugin (the safety policy,
    /// this machine's ELF, a shared library), its own such libraries are
    /// loaded first, and it is loaded through its descriptor with
    /// `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE`. Its SONAME then satisfies the
    /// plugin's `NEEDED` entry, and every plugin of the folder binds to that one
    /// copy. A library already in the process (`libDagronSDK.so`, which the host
    /// links) is never loaded a second time; names not beside the plugin are
    /// left to the dynamic linker (`RUNPATH`, the system's folders).
    ///
    /// Errors name the library: a library beside the plugin that fails the
    /// policy is refused as a plugin would be.
    func preloadDependencies(of path: String, image: ELFImage, descriptor: Int32) throws(PluginLoadError) {
        var visited: Set<String> = []
        try preloadDependencies(of: path, image: image, descriptor: descriptor, visited: &visited, depth: 0)
    }

    /// How deep libraries beside a plugin may need each other: plenty for a
    /// real plugin, and an end to a cycle of names the `visited` set misses.
    private static var dependencyDepthLimit: Int { 8 }

    private func preloadDependencies(
        of path: String, image: ELFImage, descriptor: Int32, visited: inout Set<String>, depth: Int
    ) throws(PluginLoadError) {
        guard depth < Self.dependencyDepthLimit else { return }
        let directory = (path as NSString).deletingLastPathComponent
        for name in image.neededLibraries(descriptor: descriptor)
        where !name.contains("/") && visited.insert(name).inserted {
            let beside = directory + "/" + name
            guard access(beside, F_OK) == 0, !Self.isLoaded(name) else { continue }
            let (fd, library) = try openChecked(file: beside)
            // Kept open on success, for the reason given in `open(file:requiring:)`.
            var keepOpen = false
            defer { if !keepOpen { close(fd) } }
            // Without a SONAME equal to the name, the plugin's NEEDED entry
            // would not match the loaded copy: leave it to the dynamic linker.
            guard library.sharedObjectName(descriptor: fd) == name else { continue }
            try preloadDependencies(of: beside, image: library, descriptor: fd, visited: &visited, depth: depth + 1)
            _ = dlerror()
            guard dlopen("/proc/self/fd/\(fd)", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) != nil else {
                let message = dlerror().map { String(cString: $0) } ?? "unknown error"
                throw .openFailed(
                    path: path,
                    message: "the library it needs beside it, \(beside), could not be loaded: "
                        + message.replacingOccurrences(of: "/proc/self/fd/\(fd)", with: beside))
            }
            keepOpen = true
        }
    }

    /// Whether an object whose name or SONAME is `name` is already in the process.
    private static func isLoaded(_ name: String) -> Bool {
        dlopen(name, RTLD_LAZY | RTLD_NOLOAD) != nil
    }
}
