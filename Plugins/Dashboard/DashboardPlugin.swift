import DagronSDK
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A live web view of the run, with Approve/Reject buttons for gates.
///
/// `initialize` starts a Hummingbird server (see ``DashboardServer``) and
/// prints `Dashboard: http://HOST:PORT/?token=...`; the hooks feed a
/// ``RunState`` that the page follows over Server-Sent Events; `teardown`
/// stops the server and frees the port. Settings: see ``DashboardSettings``.
/// Security (token, Host check, no CORS, connection limits, private files):
/// see `docs/dashboard.md`.
final class DashboardPlugin: DagronPlugin {
    let name = "dashboard"
    /// The settings the plugin accepts (see ``DashboardSettings/schema``).
    var settingsSchema: PluginSettingsSchema { DashboardSettings.schema }
    let version = "1.0.0"
    let summary =
        "Live web UI for runs with gate approval (settings: host, port, open_browser, url_file, max_connections, idle_timeout)."

    private let settings = Mutex(DashboardSettings())
    private let server = Mutex<DashboardServer?>(nil)
    private let redirectPage = Mutex<BrowserLauncher.RedirectPage?>(nil)
    let state = RunState()

    func configure(_ settings: PluginSettings) throws {
        let parsed = try DashboardSettings(settings)
        self.settings.withTrackedLock { $0 = parsed }
    }

    func initialize(hooks: HookRegistry) throws {
        let settings = self.settings.withTrackedLock { $0 }
        let token = AccessToken.random()
        let logger = Logger(label: "dagron.dashboard") { HostLogHandler(label: $0) }
        let limits = DashboardServer.Limits(maxConnections: settings.maxConnections, idleTimeout: settings.idleTimeout)
        let started = try DashboardServer.start(
            host: settings.host, port: settings.port, limits: limits, state: state, token: token, logger: logger)
        server.withTrackedLock { $0 = started }
        let url = "http://\(Self.urlHost(settings.host)):\(started.port)/?token=\(token.value)"
        if let file = settings.urlFile {
            do throws(PrivateFile.Failure) {
                try PrivateFile.save(url + "\n", to: file)
            } catch {
                started.stop()
                server.withTrackedLock { $0 = nil }
                throw URLFileError(path: file, reason: error.description)
            }
        }
        // Through the host's console: above dagron's status line, written at once even when piped.
        HostConsole.print("Dashboard: \(url)")
        if settings.openBrowser {
            do throws(BrowserLauncher.Failure) {
                let page = try BrowserLauncher.open(url)
                redirectPage.withTrackedLock { $0 = page }
            } catch {
                logger.warning("open_browser: \(error.description); open the printed URL yourself")
            }
        }
        for event in [
            HookEvent.preExecute, .preNode, .postNode, .onError, .nodeSkipped,
            .gateWaiting, .gateResolved, .postExecute,
        ] {
            hooks.register(event) { [state] context in state.apply(context) }
        }
    }

    func teardown() {
        let running = server.withTrackedLock { server in
            defer { server = nil }
            return server
        }
        running?.stop()
        let page = redirectPage.withTrackedLock { page in
            defer { page = nil }
            return page
        }
        page?.remove()  // it holds the token, which is dead now
    }

    /// IPv6 literals need brackets in a URL.
    private static func urlHost(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }

    /// The `url_file` could not be written.
    struct URLFileError: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "plugin 'dashboard': cannot write url_file '\(path)': \(reason)" }
    }
}

/// The plugin ABI version this plugin was compiled against (checked by the host first).
@_cdecl("dagron_plugin_abi_version")
public func dagronPluginABIVersion() -> UInt32 { DagronPluginABI.compiledVersion }

/// Creates the dashboard plugin, boxed and retained for the host.
@_cdecl("dagron_plugin_create")
public func dagronPluginCreate() -> UnsafeMutableRawPointer { DagronPluginBox.export(DashboardPlugin()) }
