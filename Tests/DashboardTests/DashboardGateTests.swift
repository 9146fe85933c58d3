import Dagron
@_spi(DagronHost) import DagronSDK
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import TestSupport
import Testing

/// Gates on the dashboard: their questions in the state and the event
/// stream, statuses learnt from hook events (nothing polls), a prompt
/// teardown, and a clear message when the port is taken.
@Suite("Dashboard gates", .serialized)
struct DashboardGateTests {
    // MARK: Unhappy paths first

    @Test("a second dashboard on a taken port: `dagron run` exits 2 saying how to get a free port, with no NIO text")
    func portInUseThroughDagronRun() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write("p.yml", "name: one\nnodes:\n  hello:\n    run: \"touch ran\"\n")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let holder = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? holder.close().wait() }
        let port = try #require(holder.localAddress?.port)

        let run = try dagron(
            [
                "run", "p.yml", "--plain", "--run-dir", "run", "--plugin", "dashboard",
                "--set", "dashboard.port=\(port)", "--set", "dashboard.open_browser=false",
            ],
            in: scratch.path)
        #expect(run.status == 2, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
        #expect(
            run.stderr.contains("port \(port) is in use: pass --set dashboard.port=0 for a free port"), "\(run.stderr)")
        for raw in ["bind(descriptor", "errno", "Address already in use"] {
            #expect(!run.stderr.contains(raw), "raw NIO text '\(raw)' in: \(run.stderr)")
        }
        #expect(scratch.read("ran") == nil, "no node ran")
    }

    @Test("an address that cannot be bound names host and port and the system's reason, not NIO's call")
    func otherBindErrorNamesTheAddress() throws {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
        let plugin = try PluginLibrary.load(path: BuildFolder.file("libDagronDashboard.so"))
        try plugin.configure(PluginSettings(plugin: "dashboard", ["host": "192.0.2.1", "port": "0"]))
        let hooks = HookRegistry()
        do {
            try plugin.initialize(hooks: hooks)
            plugin.teardown()
            Issue.record("initialize succeeded on an address of another machine")
        } catch {
            let text = String(describing: error)
            #expect(text.hasPrefix("cannot serve on 192.0.2.1:0: "), "\(text)")
            #expect(text.contains("Cannot assign requested address"), "\(text)")
            #expect(!text.contains("bind(descriptor"), "\(text)")
        }
        #expect(hooks.hookCount() == 0)
        plugin.teardown()
    }

    // MARK: Questions

    @Test("the gate's question is in /api/state, on the gate_waiting event and in the gates of the stream")
    func questionInStateAndStream() async throws {
        try await DashboardSession.with { session in
            let pipeline = try GatedPipeline(hooks: session.hooks)
            let stream = try await session.events()
            try await waitUntil("the first snapshot") { stream.all.contains { $0.event == "snapshot" } }
            let run = pipeline.start()
            try await waitUntil("extract running") { try await session.state().node("extract")?.status == "running" }
            let pending = try await session.state()
            #expect(pending.gate("approve")?.status == "pending")
            #expect(
                pending.gate("approve")?.message == GatedPipeline.question,
                "the question is known before the gate waits")

            pipeline.releaseExtract()
            try await waitUntil("the gate waiting") { try await session.state().waitingGates == ["approve"] }
            let waiting = try await session.state()
            #expect(waiting.gate("approve")?.status == "waiting")
            #expect(waiting.gate("approve")?.message == GatedPipeline.question)
            let event = try #require(waiting.events.first { $0.event == "gate_waiting" && $0.node == "approve" })
            #expect(event.message == GatedPipeline.question)
            #expect(event.status == "waiting")
            #expect(
                waiting.events.filter { $0.event != "gate_waiting" && $0.event != "gate_changed" }.allSatisfy {
                    $0.message == nil
                },
                "only gate events carry a question")

            // The stream: the message carrying gate_waiting carries the question twice.
            do {
                try await waitUntil("gate_waiting on the stream") {
                    stream.all.contains { message in
                        let events = (try? DashboardHTTPTests.events(of: message)) ?? []
                        let gates =
                            message.event == "patch"
                            ? (try? DashboardHTTPTests.patch(message))?.gates
                            : (try? DashboardHTTPTests.snapshot(message))?.gates
                        return events.contains { $0.event == "gate_waiting" && $0.message == GatedPipeline.question }
                            && (gates ?? []).contains {
                                $0.name == "approve" && $0.status == "waiting" && $0.message == GatedPipeline.question
                            }
                    }
                }
            } catch {
                let seen = stream.all.map {
                    "\($0.event): "
                        + ((try? DashboardHTTPTests.events(of: $0)) ?? []).map(\.event).joined(separator: ",")
                }
                Issue.record("the stream had: \(seen)")
                throw error
            }
            #expect(try await session.request("/api/gates/approve/approve", method: .POST).status == 200)
            #expect(try await finish(run).isSuccess)
            stream.stop()
        }
    }

    @Test("a gate node without a message has no question, and the state says so by leaving it out")
    func gateWithoutQuestion() async throws {
        try await DashboardSession.with { session in
            let dag = try DAG(nodes: [DAGNode(name: "hold", metadata: ["kind": "gate"])], edges: [])
            let gates = GateController(["hold": ApprovalGate(timeout: .seconds(120))])
            let executor = DAGExecutor(dag, hooks: session.hooks, maxWorkers: 1, gates: gates)
            let run = Task { await executor.execute([:]) }
            try await waitUntil("the gate waiting") { try await session.state().waitingGates == ["hold"] }
            let reply = try await session.request("/api/state")
            let state = try reply.decode(StateDoc.self)
            #expect(state.gate("hold")?.message == nil)
            #expect(!reply.text.contains("\"message\""), "no empty or null message: \(reply.text)")
            try gates.approve("hold")
            #expect(try await finish(run).isSuccess)
        }
    }

    // MARK: Events, not polling

    @Test("a gate decided through the GateController shows from the engine's gate_resolved event")
    func controllerDecisionShows() async throws {
        try await DashboardSession.with { session in
            let pipeline = try GatedPipeline(hooks: session.hooks)
            let run = pipeline.start()
            pipeline.releaseExtract()
            try await waitUntil("the gate waiting") { try await session.state().waitingGates == ["approve"] }
            try pipeline.gates.reject("approve", reason: "not on a Friday")
            try await waitUntil("the rejection in /api/state") {
                let state = try await session.state()
                return state.gate("approve")?.status == "rejected" && state.waitingGates.isEmpty
            }
            let state = try await session.state()
            #expect(state.gate("approve")?.reason == "not on a Friday")
            #expect(state.gate("approve")?.message == GatedPipeline.question)
            #expect(
                state.events.contains { $0.event == "gate_resolved" && $0.node == "approve" && $0.status == "rejected" }
            )
            #expect(try await finish(run).isSuccess == false)
        }
    }

    @Test("a gate armed with no event shows with the next hook event, and nothing polls meanwhile")
    func silentGateShowsWithTheNextEvent() async throws {
        try await DashboardSession.with { session in
            let pipeline = try GatedPipeline(hooks: session.hooks)
            let run = pipeline.start()
            try await waitUntil("extract running") { try await session.state().node("extract")?.status == "running" }
            let quiet = try await session.state()
            // Someone else arms the gate (no hook fires); extract is still running.
            pipeline.gates.gate(named: "approve")?.arm()
            // A poller (the old one ran every 250 ms) would have changed the state by now.
            try await Task.sleep(for: .seconds(1))
            let still = try await session.state()
            #expect(still.seq == quiet.seq, "the state changed with no event: something polls")
            #expect(still.gate("approve")?.status == "pending")

            pipeline.releaseExtract()  // post_node:extract brings the gates up to date
            try await waitUntil("the armed gate") { try await session.state().waitingGates == ["approve"] }
            let state = try await session.state()
            let changed = try #require(state.events.first { $0.event == "gate_changed" && $0.node == "approve" })
            #expect(changed.status == "waiting")
            #expect(changed.message == GatedPipeline.question)
            #expect(try await session.request("/api/gates/approve/approve", method: .POST).status == 200)
            #expect(try await finish(run).isSuccess)
        }
    }

    @Test("teardown returns promptly, with an event stream still open")
    func teardownIsPrompt() async throws {
        try await DashboardSession.with { session in
            let pipeline = try GatedPipeline(hooks: session.hooks)
            let stream = try await session.events()
            let run = pipeline.start()
            pipeline.releaseExtract()
            try await waitUntil("the gate waiting") { try await session.state().waitingGates == ["approve"] }
            #expect(try await session.request("/api/gates/approve/approve", method: .POST).status == 200)
            #expect(try await finish(run).isSuccess)
            try await waitUntil("the stream open") { !stream.all.isEmpty }

            let clock = ContinuousClock()
            let took = clock.measure { session.plugin.teardown() }
            print("dashboard teardown took \(took)")
            #expect(took < .seconds(2), "generous bound for a busy machine; it took \(took)")
            #expect(!DashboardHTTPTests.canConnect(port: session.port))
            stream.stop()
        }  // closing tears down a second time: harmless
    }

    // MARK: Through `dagron run`

    @Test(
        "through `dagron run`: the pipeline's question in /api/state, and `dagron gate approve` reaches the dashboard",
        arguments: [[String](), ["--isolate", "dashboard"]])
    func dagronRunGateApprove(extra: [String]) async throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        try scratch.write(
            "p.yml",
            """
            name: gated
            nodes:
              build:
                run: "true"
              release:
                after: build
                gate:
                  message: Ship build 7 to production?
                  timeout: 5m
              hold:
                after: release
                run: "while [ ! -f go ]; do sleep 0.05; done"
            """)
        let urlFile = scratch.path + "/url"
        let run = try DagronProcess(
            [
                "run", "p.yml", "--plain", "--run-dir", "run", "--plugin", "dashboard", "--set", "dashboard.port=0",
                "--set", "dashboard.open_browser=false", "--set", "dashboard.url_file=\(urlFile)",
            ] + extra,
            in: scratch.path)
        defer { if run.process.isRunning { run.send(SIGKILL) } }
        try await waitUntil("the dashboard URL") {
            guard run.process.isRunning else {
                let finished = try run.wait(timeout: 5)
                throw DashboardSession.SessionError(
                    description: "dagron run exited \(finished.status): \(finished.stderr)")
            }
            return !(scratch.read("url") ?? "").isEmpty
        }
        let dashboard = try DashboardClient(
            url: (scratch.read("url") ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        do {
            try await waitUntil("the gate waiting with its question") {
                let gate = try await dashboard.state().gate("release")
                return gate?.status == "waiting" && gate?.message == "Ship build 7 to production?"
            }

            let approve = try dagron(["gate", "approve", "run", "release"], in: scratch.path)
            #expect(approve.status == 0, "\(approve.stderr)")
            try await waitUntil("the approval on the dashboard") {
                let state = try await dashboard.state()
                return state.gate("release")?.status == "approved" && state.node("hold")?.status == "running"
            }
            try scratch.write("go", "")
            let finished = try run.wait(timeout: 60)
            #expect(finished.status == 0, "\(finished.stderr)")
        } catch {
            try? await dashboard.close()
            throw error
        }
        try await dashboard.close()
    }
}
