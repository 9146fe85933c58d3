import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import TestSupport
import Testing

/// The page in a real browser (headless Chromium, Debian package `chromium`):
/// it shows a gated run live, and its Approve button lets the run finish.
@Suite("Dashboard in a browser", .serialized)
struct DashboardBrowserTests {
    /// Where screenshots go: `.build/test-output/DashboardTests/` in the package.
    static var outputDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/test-output/DashboardTests")
    }

    @Test("load the page during a gated run, click Approve, and the run completes")
    func approveInTheBrowser() async throws {
        let output = Self.outputDirectory
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dagron-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }

        let session = try DashboardSession()
        let pipeline = try ReleasePipeline(hooks: session.hooks)
        let run = pipeline.start()
        let browser = try DevToolsPipe(profile: profile.path, log: output.appendingPathComponent("chromium.log").path)
        do {
            let target = try await browser.call("Target.createTarget", ["url": session.url.absoluteString])
            let targetID = try #require(target["targetId"] as? String)
            let attached = try await browser.call("Target.attachToTarget", ["targetId": targetID, "flatten": true])
            let page = try #require(attached["sessionId"] as? String)

            // The DOM shows every node and the waiting gate with its buttons.
            let gate = ReleasePipeline.gate
            try await waitUntil(
                "the page showing \(pipeline.dag.nodeCount) nodes and the waiting gate", timeout: .seconds(60)
            ) {
                let ready = try await browser.evaluate(
                    """
                    document.querySelectorAll('svg g.node').length === \(pipeline.dag.nodeCount)
                      && !!document.querySelector('#gates button.approve[data-gate="\(gate)"]')
                      && document.querySelector('g.node[data-name="\(gate)"]').dataset.status === 'waiting'
                    """, session: page)
                return ready as? Bool == true
            }
            let completedBefore =
                try await browser.evaluate(
                    "document.querySelectorAll('g.node.st-completed').length", session: page
                ).flatMap(Self.number) ?? 0
            #expect(completedBefore >= 1, "upstream nodes show as completed")
            // The waiting gate's card shows its question, as text (escaped, not markup).
            let question =
                try await browser.evaluate(
                    """
                    (() => { const m = document.querySelector('#gates .gate[data-gate="\(gate)"] .gmsg');
                             return m ? m.textContent + '|' + m.children.length : null; })()
                    """, session: page) as? String
            #expect(question == ReleasePipeline.question + "|0", "the card's question: \(question ?? "none")")
            try await screenshot(browser, page: page, to: output.appendingPathComponent("gate-waiting.png"))
            #expect(pipeline.gates.waitingGates() == [gate])

            // A real click, at the button's place on the screen.
            let rawPoint =
                try await browser.evaluate(
                    """
                    (() => { const b = document.querySelector('#gates button.approve[data-gate="\(gate)"]');
                             b.scrollIntoView({block: 'center'}); const r = b.getBoundingClientRect();
                             return [r.left + r.width / 2, r.top + r.height / 2]; })()
                    """, session: page) as? [Any] ?? []
            let point = rawPoint.compactMap(Self.number)
            try #require(point.count == 2, "the Approve button's position: \(rawPoint)")
            for type in ["mouseMoved", "mousePressed", "mouseReleased"] {
                _ = try await browser.call(
                    "Input.dispatchMouseEvent",
                    ["type": type, "x": point[0], "y": point[1], "button": "left", "clickCount": 1],
                    session: page)
            }

            let result = try await finish(run)
            #expect(
                result.isSuccess,
                "\(result.nodeResults.values.filter { !$0.status.isFinished || $0.status != .completed }.map(\.name))")
            #expect(try pipeline.gates.status(gate) == .approved)
            try await waitUntil("the page showing the finished run", timeout: .seconds(30)) {
                let done = try await browser.evaluate(
                    """
                    document.getElementById('phase').textContent === 'finished'
                      && document.querySelectorAll('g.node.st-completed').length === \(pipeline.dag.nodeCount)
                      && !document.querySelector('#gates button.approve')
                      && document.getElementById('critical').textContent.includes('\(gate)')
                    """, session: page)
                return done as? Bool == true
            }
            try await screenshot(browser, page: page, to: output.appendingPathComponent("run-finished.png"))
            await browser.shutdown()
        } catch {
            await browser.shutdown()
            run.cancel()
            _ = await run.value
            try await session.close()
            throw error
        }
        try await session.close()
    }

    @Test("500 nodes: every node drawn, none overlapping, labels at full size, no sideways scrolling")
    func fiveHundredNodes() async throws {
        let output = Self.outputDirectory
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dagron-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let session = try DashboardSession()
        var nodes: [DAGNode] = []
        var edges: [DAGEdge] = []
        for level in 0..<20 {
            for column in 0..<25 {
                nodes.append(DAGNode(name: "step_\(level)_\(column)"))
                if level > 0 {
                    edges.append(DAGEdge(from: "step_\(level - 1)_\(column)", to: "step_\(level)_\(column)"))
                    if column % 5 == 0 {
                        edges.append(
                            DAGEdge(from: "step_\(level - 1)_\((column + 7) % 25)", to: "step_\(level)_\(column)"))
                    }
                }
            }
        }
        let dag = try DAG(nodes: nodes, edges: edges)
        var tasks: [String: NodeTask] = [:]
        for node in nodes { tasks[node.name] = .sync { nil } }
        let executor = DAGExecutor(dag, hooks: session.hooks, maxWorkers: 4)
        let result = await executor.execute(tasks)
        #expect(result.succeeded == 500)

        let browser = try DevToolsPipe(
            profile: profile.path, log: output.appendingPathComponent("chromium-500.log").path)
        do {
            let target = try await browser.call("Target.createTarget", ["url": session.url.absoluteString])
            let attached = try await browser.call(
                "Target.attachToTarget", ["targetId": try #require(target["targetId"] as? String), "flatten": true])
            let page = try #require(attached["sessionId"] as? String)
            try await waitUntil("500 nodes on the page", timeout: .seconds(60)) {
                try await browser.evaluate(
                    "document.querySelectorAll('svg g.node.st-completed').length === 500", session: page) as? Bool
                    == true
            }
            let report =
                try await browser.evaluate(
                    """
                    (() => {
                      const boxes = Array.from(document.querySelectorAll('svg g.node rect')).map(r => r.getBoundingClientRect());
                      let overlaps = 0;
                      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
                        const a = boxes[i], b = boxes[j];
                        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps++;
                      }
                      const fonts = Array.from(document.querySelectorAll('svg g.node text')).map(t => parseFloat(getComputedStyle(t).fontSize));
                      const box = document.getElementById('graphbox');
                      return JSON.stringify({ overlaps, minFont: Math.min(...fonts), minWidth: Math.min(...boxes.map(b => b.width)),
                                              sideways: box.scrollWidth > box.clientWidth + 1, rows: document.querySelectorAll('#rows tr').length });
                    })()
                    """, session: page) as? String ?? "{}"
            let facts = try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any] ?? [:]
            #expect(facts["overlaps"].flatMap(Self.number) == 0, "\(report)")
            #expect((facts["minFont"].flatMap(Self.number) ?? 0) >= 10, "\(report)")
            #expect((facts["minWidth"].flatMap(Self.number) ?? 0) >= 100, "\(report)")
            #expect(facts["sideways"] as? Bool == false, "\(report)")
            #expect(facts["rows"].flatMap(Self.number) == 500, "\(report)")
            try await screenshot(browser, page: page, to: output.appendingPathComponent("five-hundred-nodes.png"))
            await browser.shutdown()
        } catch {
            await browser.shutdown()
            try await session.close()
            throw error
        }
        try await session.close()
    }

    @Test("examples/dashboard-release.yml through `dagron run`: the loader's dashboard, approved in the browser")
    func exampleThroughDagronRun() async throws {
        let output = Self.outputDirectory
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dagron-dashboard-example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let packageRoot = output.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = packageRoot.appendingPathComponent("examples/dashboard-release.yml").path
        let dagron = BuildFolder.file("dagron")
        try #require(FileManager.default.isExecutableFile(atPath: dagron), "\(dagron) missing: run `swift build` first")
        let urlFile = scratch.appendingPathComponent("url").path

        let process = Process()
        process.executableURL = URL(fileURLWithPath: dagron)
        process.arguments = [
            "run", example, "--plain", "--run-dir", scratch.appendingPathComponent("run").path,
            "--set", "dashboard.port=0", "--set", "dashboard.open_browser=false",
            "--set", "dashboard.url_file=\(urlFile)",
        ]
        process.currentDirectoryURL = scratch
        let log = scratch.appendingPathComponent("dagron.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        func runLog() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        try await waitUntil("the dashboard URL from `dagron run`", timeout: .seconds(60)) {
            guard process.isRunning else {
                throw DashboardSession.SessionError(
                    description: "dagron run exited \(process.terminationStatus):\n\(runLog())")
            }
            return FileManager.default.fileExists(atPath: urlFile)
                && !((try? String(contentsOfFile: urlFile, encoding: .utf8)) ?? "").isEmpty
        }
        let url = try String(contentsOfFile: urlFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(runLog().contains("Dashboard: \(url)"), "the run prints the URL")

        let profile = scratch.appendingPathComponent("profile")
        let browser = try DevToolsPipe(
            profile: profile.path, log: output.appendingPathComponent("chromium-example.log").path)
        do {
            let target = try await browser.call("Target.createTarget", ["url": url])
            let attached = try await browser.call(
                "Target.attachToTarget", ["targetId": try #require(target["targetId"] as? String), "flatten": true])
            let page = try #require(attached["sessionId"] as? String)
            let gate = "approve-release"
            try await waitUntil("the example's gate waiting on the page", timeout: .seconds(120)) {
                try await browser.evaluate(
                    """
                    document.querySelectorAll('svg g.node').length === 15
                      && !!document.querySelector('#gates button.approve[data-gate="\(gate)"]')
                      && document.querySelector('#gates .gate[data-gate="\(gate)"] .gmsg')?.textContent
                           === 'Ship model v42 and publish the report?'
                    """, session: page) as? Bool == true
            }
            try await Task.sleep(for: .milliseconds(600))  // let the timeline settle for the picture
            try await screenshot(browser, page: page, to: output.appendingPathComponent("example-gate-waiting.png"))
            let rawPoint =
                try await browser.evaluate(
                    """
                    (() => { const b = document.querySelector('#gates button.approve[data-gate="\(gate)"]');
                             b.scrollIntoView({block: 'center'}); const r = b.getBoundingClientRect();
                             return [r.left + r.width / 2, r.top + r.height / 2]; })()
                    """, session: page) as? [Any] ?? []
            let point = rawPoint.compactMap(Self.number)
            try #require(point.count == 2)
            for type in ["mouseMoved", "mousePressed", "mouseReleased"] {
                _ = try await browser.call(
                    "Input.dispatchMouseEvent",
                    ["type": type, "x": point[0], "y": point[1], "button": "left", "clickCount": 1],
                    session: page)
            }
            try await waitUntil("dagron run to exit", timeout: .seconds(120)) { !process.isRunning }
            #expect(process.terminationStatus == 0, "dagron run: \(runLog())")
            await browser.shutdown()
        } catch {
            await browser.shutdown()
            throw error
        }
        // The dashboard went away with the run: nothing listens on its port.
        let port = try #require(URL(string: url)?.port)
        #expect(!DashboardHTTPTests.canConnect(port: port))
    }

    /// A JSON number, whichever way JSONSerialization represented it.
    static func number(_ value: Any) -> Double? {
        if let double = value as? Double { return double }
        if let int = value as? Int { return Double(int) }
        return (value as? NSNumber)?.doubleValue
    }

    private func screenshot(_ browser: DevToolsPipe, page: String, to file: URL) async throws {
        let shot = try await browser.call(
            "Page.captureScreenshot", ["format": "png", "captureBeyondViewport": false], session: page)
        let encoded = try #require(shot["data"] as? String)
        let data = try #require(Data(base64Encoded: encoded))
        #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
        try data.write(to: file)
        print("screenshot: \(file.path)")
    }
}

/// A small release pipeline: three extracts, cleaning, a join, a model and a
/// report, an approval gate, then deploy, publish and notify. Each task
/// sleeps a little so the timeline has something to show.
struct ReleasePipeline: Sendable {
    static let gate = "approve_release"
    /// The gate's question, with characters the page must escape.
    static let question = "Ship model <v42> & publish the \"Q3\" report?"
    let dag: DAG
    let gates: GateController
    let executor: DAGExecutor

    init(hooks: HookRegistry) throws {
        let edges: [(String, String)] = [
            ("extract_users", "clean_users"), ("extract_orders", "clean_orders"), ("extract_events", "clean_events"),
            ("clean_users", "join_sessions"), ("clean_orders", "join_sessions"), ("clean_events", "join_sessions"),
            ("join_sessions", "features"), ("join_sessions", "build_report"), ("features", "train_model"),
            ("train_model", "evaluate_model"), ("evaluate_model", Self.gate), ("build_report", Self.gate),
            (Self.gate, "deploy_model"), (Self.gate, "publish_report"), ("deploy_model", "notify"),
            ("publish_report", "notify"),
        ]
        var names: [String] = []
        for (from, to) in edges {
            for name in [from, to] where !names.contains(name) { names.append(name) }
        }
        dag = try DAG(
            nodes: names.map {
                DAGNode(name: $0, metadata: $0 == Self.gate ? ["kind": "gate", "message": Self.question] : [:])
            },
            edges: edges.map { DAGEdge(from: $0.0, to: $0.1) })
        gates = GateController([Self.gate: ApprovalGate(timeout: .seconds(300))])
        executor = DAGExecutor(dag, hooks: hooks, maxWorkers: 3, gates: gates)
    }

    func start() -> Task<ExecutionResult, Never> {
        var tasks: [String: NodeTask] = [:]
        for (index, name) in dag.nodeNames.enumerated() where name != Self.gate {
            let seconds = 0.05 + Double((index * 7) % 5) * 0.08
            tasks[name] = .sync {
                Thread.sleep(forTimeInterval: seconds)
                return name
            }
        }
        let executor = self.executor
        return Task { [tasks] in await executor.execute(tasks) }
    }
}
