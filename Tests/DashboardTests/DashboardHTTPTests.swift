import AsyncHTTPClient
import Dagron
import DagronHTTPDate
@_spi(DagronHost) import DagronSDK
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// The dashboard plugin loaded from `libDagronDashboard.so`, serving on port
/// 0, driven by real executions of the engine.
@Suite("Dashboard over HTTP", .serialized)
struct DashboardHTTPTests {
    @Test("the state follows a gated node through its whole life")
    func stateThroughANodesLife() async throws {
        let session = try DashboardSession()
        let pipeline = try GatedPipeline(hooks: session.hooks)

        let idle = try await session.state()
        #expect(idle.run.phase == "idle")
        #expect(idle.run.id == 0)

        let run = pipeline.start()
        try await waitUntil("extract running") { try await session.state().node("extract")?.status == "running" }
        var state = try await session.state()
        #expect(state.run.phase == "running")
        #expect(state.run.id == 1)
        #expect(state.nodes.map(\.name) == ["extract", "approve", "deploy"])
        #expect(state.nodes.map(\.level) == [0, 1, 2])
        #expect(state.edges == [EdgeDoc(from: "extract", to: "approve"), EdgeDoc(from: "approve", to: "deploy")])
        #expect(state.node("approve")?.kind == "gate")
        #expect(state.node("extract")?.startedAt != nil)
        #expect(state.node("approve")?.status == "pending")
        #expect(state.gate("approve")?.status == "pending")
        #expect(state.summary.counts["running"] == 1)
        #expect(state.summary.counts["pending"] == 2)

        pipeline.releaseExtract()
        try await waitUntil("the gate waiting") { try await session.state().waitingGates == ["approve"] }
        state = try await session.state()
        let extract = try #require(state.node("extract"))
        #expect(extract.status == "completed")
        #expect(extract.finishedAt != nil)
        #expect((extract.durationSeconds ?? -1) >= 0)
        #expect(state.node("approve")?.status == "waiting")
        #expect(state.gate("approve")?.status == "waiting")
        #expect(state.node("deploy")?.status == "pending")

        let approved = try await session.request("/api/gates/approve/approve", method: .POST)
        #expect(approved.status == 200, "\(approved.text)")
        #expect(approved.text.contains("\"status\":\"approved\""))

        let result = try await finish(run)
        #expect(result.isSuccess)
        try await waitUntil("the run finished") { try await session.state().run.phase == "finished" }
        state = try await session.state()
        #expect(state.nodes.allSatisfy { $0.status == "completed" })
        #expect(state.waitingGates.isEmpty)
        #expect(state.gate("approve")?.status == "approved")
        #expect(state.run.totalSeconds != nil)
        #expect(state.summary.counts["completed"] == 3)
        #expect(state.summary.total == 3)
        #expect(state.summary.criticalPath == ["extract", "approve", "deploy"])
        #expect(state.summary.slowest.count == 3)
        let events = state.events.map { "\($0.event):\($0.node ?? "")" }
        #expect(events.first == "pre_execute:")
        #expect(events.last == "post_execute:")
        #expect(events.contains("gate_waiting:approve"))
        try await session.close()
    }

    @Test("the event stream delivers snapshot and patches in order, and resumes from Last-Event-ID")
    func eventStreamInOrder() async throws {
        let session = try DashboardSession()
        let pipeline = try GatedPipeline(hooks: session.hooks)
        let stream = try await session.events()
        try await waitUntil("the first snapshot") { stream.all.contains { $0.event == "snapshot" } }

        let run = pipeline.start()
        pipeline.releaseExtract()
        // Approve only once the stream itself has shown the waiting gate.
        try await waitUntil("the stream showing the waiting gate") {
            stream.all.contains { $0.event == "patch" && (try? Self.patch($0))?.waitingGates == ["approve"] }
                || stream.all.contains {
                    $0.event == "snapshot" && (try? Self.snapshot($0))?.waitingGates == ["approve"]
                }
        }
        let approved = try await session.request("/api/gates/approve/approve", method: .POST, auth: .query)
        #expect(approved.status == 200)
        _ = try await finish(run)
        try await waitUntil("post_execute on the stream") {
            stream.all.flatMap { (try? Self.events(of: $0)) ?? [] }.contains { $0.event == "post_execute" }
        }
        stream.stop()

        let messages = stream.all.filter { $0.event != "heartbeat" }
        #expect(messages.first?.event == "snapshot")
        // Ids are <run>-<seq> and never go back.
        let ids = messages.compactMap(\.id).map { $0.split(separator: "-").map { UInt64($0)! } }
        #expect(ids.count == messages.count)
        for (earlier, later) in zip(ids, ids.dropFirst()) {
            #expect(
                earlier[0] < later[0] || (earlier[0] == later[0] && earlier[1] < later[1]),
                "ids \(earlier) then \(later)")
        }
        // Every patch continues exactly where the previous message ended.
        var seq: UInt64? = nil
        for message in messages {
            if message.event == "patch" {
                let patch = try Self.patch(message)
                #expect(patch.fromSeq == seq, "a patch from \(patch.fromSeq) after version \(seq ?? 0)")
                seq = patch.seq
            } else {
                seq = try Self.snapshot(message).seq
            }
        }
        // The events of the run arrive once each, in the engine's order.
        let runEvents = messages.flatMap { (try? Self.events(of: $0)) ?? [] }
            // gate_changed: logged by the approve request if it beats gate_resolved
            .filter { $0.seq > 0 && $0.event != "gate_changed" }
        let seqs = runEvents.map(\.seq)
        #expect(seqs == seqs.sorted())
        #expect(Set(seqs).count == seqs.count)
        let order = runEvents.map { "\($0.event):\($0.node ?? "")" }
        #expect(
            order == [
                "pre_execute:", "pre_node:extract", "post_node:extract", "pre_node:approve", "gate_waiting:approve",
                "gate_resolved:approve", "post_node:approve", "pre_node:deploy", "post_node:deploy", "post_execute:",
            ])
        // The statuses a client sees for the gate node, in order.
        var approveStatuses: [String] = []
        for message in messages {
            let nodes = message.event == "patch" ? try Self.patch(message).nodes : try Self.snapshot(message).nodes
            if let status = nodes.first(where: { $0.name == "approve" })?.status, approveStatuses.last != status {
                approveStatuses.append(status)
            }
        }
        #expect(approveStatuses.last == "completed")
        #expect(approveStatuses.contains("waiting"))
        #expect(approveStatuses.firstIndex(of: "waiting")! < approveStatuses.firstIndex(of: "completed")!)

        // Resuming from the last id gives nothing new; from an older one, a
        // patch; from another run, a snapshot.
        let last = try #require(messages.last?.id)
        let resumed = try await session.events(since: last)
        let older = try await session.events(since: "\(ids[1][0])-\(ids[1][1])")
        let foreign = try await session.events(since: "99-1")
        try await waitUntil("the resumed streams") { !older.all.isEmpty && !foreign.all.isEmpty }
        try await Task.sleep(for: .milliseconds(400))
        #expect(resumed.all.filter { $0.event != "heartbeat" }.isEmpty)
        #expect(older.all.first?.event == "patch")
        #expect(foreign.all.first?.event == "snapshot")
        for collector in [resumed, older, foreign] { collector.stop() }
        try await session.close()
    }

    @Test("a quiet stream gets heartbeats carrying the current version")
    func heartbeats() async throws {
        let session = try DashboardSession()
        let stream = try await session.events()
        try await waitUntil("a heartbeat (every 5 s of silence)", timeout: .seconds(30)) {
            stream.all.contains { $0.event == "heartbeat" }
        }
        let messages = stream.all
        #expect(messages.first?.event == "snapshot")
        let beat = try #require(messages.first { $0.event == "heartbeat" })
        #expect(beat.id == "0-0")
        #expect(beat.data.hasPrefix(#"{"run":0,"seq":0,"serverTime":"#))
        stream.stop()
        try await session.close()
    }

    @Test("reject with a reason fails the gate node and skips what follows")
    func rejectFailsTheGate() async throws {
        let session = try DashboardSession()
        let pipeline = try GatedPipeline(hooks: session.hooks)
        let run = pipeline.start()
        pipeline.releaseExtract()
        try await waitUntil("the gate waiting") { try await session.state().waitingGates == ["approve"] }

        let rejected = try await session.request(
            "/api/gates/approve/reject", method: .POST, headers: [("Content-Type", "application/json")],
            body: #"{"reason": "not on a Friday"}"#)
        #expect(rejected.status == 200, "\(rejected.text)")
        #expect(rejected.text.contains("\"status\":\"rejected\""))
        let again = try await session.request("/api/gates/approve/approve", method: .POST)
        #expect(again.status == 409, "deciding a decided gate: \(again.status) \(again.text)")

        let result = try await finish(run)
        #expect(result["approve"]?.status == .failed)
        #expect(result["deploy"]?.status == .skipped)
        try await waitUntil("the run finished") { try await session.state().run.phase == "finished" }
        let state = try await session.state()
        #expect(state.gate("approve")?.status == "rejected")
        #expect(state.gate("approve")?.reason == "not on a Friday")
        #expect(state.node("approve")?.status == "failed")
        #expect(state.node("approve")?.error?.contains("not on a Friday") == true)
        #expect(state.node("deploy")?.status == "skipped")
        #expect(state.node("deploy")?.skipReason?.contains("approve") == true)
        #expect(state.summary.counts["failed"] == 1)
        #expect(state.summary.counts["skipped"] == 1)
        #expect(state.summary.counts["completed"] == 1)
        try await session.close()
    }

    @Test("requests without the token, with a wrong one, or with a foreign Host are refused with 403")
    func refusesStrangers() async throws {
        let session = try DashboardSession()
        let pipeline = try GatedPipeline(hooks: session.hooks)
        let run = pipeline.start()
        pipeline.releaseExtract()
        try await waitUntil("the gate waiting") { try await session.state().waitingGates == ["approve"] }

        for path in ["/", "/api/state", "/api/events"] {
            #expect(try await session.request(path, auth: .none).status == 403, "GET \(path) without a token")
            #expect(try await session.request(path, auth: .wrong).status == 403, "GET \(path) with a wrong token")
        }
        #expect(try await session.request("/api/gates/approve/approve", method: .POST, auth: .none).status == 403)
        #expect(try await session.request("/api/gates/approve/reject", method: .POST, auth: .wrong).status == 403)
        let rebinding = try await session.request(
            "/api/gates/approve/approve", method: .POST, host: "evil.example:\(session.port)")
        #expect(rebinding.status == 403)
        #expect(try await session.request("/api/state", host: "evil.example").status == 403)
        #expect(try await session.request("/api/state", host: "127.0.0.1:\(session.port + 1)").status == 403)
        // None of that touched the gate.
        #expect(pipeline.gates.waitingGates() == ["approve"])

        // With the token (either way) and the right Host: allowed, and no CORS.
        let before = Int64(time(nil))
        let page = try await session.request("/", auth: .query, headers: [("Origin", "http://evil.example")])
        let after = Int64(time(nil))
        #expect(page.status == 200)
        let date = page.headers.first(name: "Date") ?? "none"
        #expect((before...after).map { HTTPDateHeader.text(secondsSince1970: $0) }.contains(date), "Date: \(date)")
        #expect(page.headers.first(name: "Server") == "dagron-dashboard")
        #expect(page.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
        #expect(page.headers.first(name: "Access-Control-Allow-Origin") == nil)
        #expect(page.headers.first(name: "Content-Security-Policy")?.contains("default-src 'none'") == true)
        #expect(page.headers.first(name: "Referrer-Policy") == "no-referrer")
        #expect(page.text.contains("<svg"))
        #expect(
            !page.text.contains("http://") && !page.text.contains("https://"), "the page loads nothing from elsewhere")
        let localhost = try await session.request("/api/state", host: "localhost:\(session.port)")
        #expect(localhost.status == 200)
        #expect(localhost.headers.first(name: "Access-Control-Allow-Origin") == nil)
        let preflight = try await session.request(
            "/api/gates/approve/approve", method: .OPTIONS, auth: .none,
            headers: [("Origin", "http://evil.example")])
        #expect(preflight.status == 403)
        #expect(preflight.headers.first(name: "Access-Control-Allow-Origin") == nil)

        #expect(try await session.request("/api/gates/approve/approve", method: .POST, auth: .query).status == 200)
        #expect(try await finish(run).isSuccess)
        try await session.close()
    }

    @Test("an unknown gate is 404, and so is any gate before a run")
    func unknownGate() async throws {
        let session = try DashboardSession()
        let before = try await session.request("/api/gates/approve/approve", method: .POST)
        #expect(before.status == 404, "\(before.text)")
        let pipeline = try GatedPipeline(hooks: session.hooks)
        let run = pipeline.start()
        try await waitUntil("the run started") { try await session.state().run.phase == "running" }
        let unknown = try await session.request("/api/gates/nope/approve", method: .POST)
        #expect(unknown.status == 404)
        #expect(unknown.text.contains("nope"))
        #expect(try await session.request("/api/gates/nope/reject", method: .POST).status == 404)
        // A known gate nobody waits at yet cannot be decided.
        #expect(try await session.request("/api/gates/approve/approve", method: .POST).status == 409)
        #expect(try await session.request("/api/nothing-here").status == 404)
        pipeline.releaseExtract()
        try await waitUntil("the gate waiting") { try await session.state().waitingGates == ["approve"] }
        #expect(try await session.request("/api/gates/approve/approve", method: .POST).status == 200)
        #expect(try await finish(run).isSuccess)
        try await session.close()
    }

    @Test("teardown frees the port, and a second dashboard starts in the same process")
    func teardownFreesThePort() async throws {
        let first = try DashboardSession()
        let port = first.port
        #expect(try await first.request("/").status == 200)
        let stream = try await first.events()
        try await waitUntil("a snapshot") { !stream.all.isEmpty }
        try await first.close()  // with an event stream still open
        stream.stop()

        // Nothing answers any more, and the port can be bound again.
        #expect(!Self.canConnect(port: port))
        #expect(try Self.canBind(port: port))
        let second = try DashboardSession(settings: ["port": String(port)])
        #expect(second.port == port)
        #expect(second.token != first.token, "each dashboard has its own token")
        #expect(try await second.request("/").status == 200)
        let pipeline = try GatedPipeline(hooks: second.hooks)
        let run = pipeline.start()
        pipeline.releaseExtract()
        try await waitUntil("the gate waiting") { try await second.state().waitingGates == ["approve"] }
        #expect(try await second.request("/api/gates/approve/approve", method: .POST).status == 200)
        #expect(try await finish(run).isSuccess)
        try await second.close()
        #expect(try Self.canBind(port: port))
    }

    // MARK: Helpers

    static func patch(_ message: SSEMessage) throws -> PatchDoc {
        try JSONDecoder().decode(PatchDoc.self, from: Data(message.data.utf8))
    }

    static func snapshot(_ message: SSEMessage) throws -> StateDoc {
        try JSONDecoder().decode(StateDoc.self, from: Data(message.data.utf8))
    }

    static func events(of message: SSEMessage) throws -> [EventDoc] {
        switch message.event {
        case "patch": try patch(message).events
        case "snapshot": try snapshot(message).events
        default: []
        }
    }

    /// Whether a listening socket can be bound to 127.0.0.1:`port` now, the
    /// way servers bind (`SO_REUSEADDR`, so the closed connections' TIME_WAIT
    /// does not count; a socket still listening does).
    static func canBind(port: Int) throws -> Bool {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        do {
            let channel = try ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: "127.0.0.1", port: port).wait()
            try channel.close().wait()
            return true
        } catch {
            return false
        }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func canConnect(port: Int) -> Bool {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        guard let channel = try? ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).wait() else {
            return false
        }
        try? channel.close().wait()
        return true
    }
}

/// A run with thousands of nodes: the stream coalesces, the state stays right.
@Suite("Dashboard under load", .serialized)
struct DashboardLoadTests {
    @Test("3000 nodes: a few coalesced messages instead of one per event, and a correct final state")
    func thousandsOfNodes() async throws {
        let session = try DashboardSession()
        let width = 100
        var nodes: [DAGNode] = []
        var edges: [DAGEdge] = []
        for level in 0..<30 {
            for column in 0..<width {
                let name = "n\(level)_\(column)"
                nodes.append(DAGNode(name: name))
                if level > 0 { edges.append(DAGEdge(from: "n\(level - 1)_\(column)", to: name)) }
            }
        }
        let dag = try DAG(nodes: nodes, edges: edges)
        let executor = DAGExecutor(dag, hooks: session.hooks, maxWorkers: 4)
        var tasks: [String: NodeTask] = [:]
        for node in nodes { tasks[node.name] = .sync { nil } }
        let stream = try await session.events()
        try await waitUntil("the first snapshot") { !stream.all.isEmpty }
        let clock = ContinuousClock()
        let started = clock.now
        let run = Task { [tasks] in await executor.execute(tasks) }
        // The API answers while the run goes on.
        let during = try await session.request("/api/state")
        #expect(during.status == 200)
        let result = try await finish(run, within: .seconds(300))
        #expect(result.succeeded == 3000)
        try await waitUntil("the finished run on the stream", timeout: .seconds(60)) {
            stream.all.contains {
                $0.event == "snapshot" && (try? DashboardHTTPTests.snapshot($0))?.run.phase == "finished"
            }
                || stream.all.contains {
                    $0.event == "patch" && (try? DashboardHTTPTests.patch($0))?.run.phase == "finished"
                }
        }
        let elapsed = clock.now - started
        stream.stop()
        let messages = stream.all.filter { $0.event != "heartbeat" }
        let seconds = Double(elapsed.components.seconds) + 1
        // 6001 events; at most ten flushes a second (plus slack for a busy machine).
        #expect(messages.count < 6001 / 4, "\(messages.count) messages for 6001 events")
        #expect(Double(messages.count) <= seconds * 15 + 10, "\(messages.count) messages in \(elapsed)")
        let state = try await session.state()
        #expect(state.summary.counts["completed"] == 3000)
        #expect(state.summary.criticalPath.count == 30)
        #expect(state.nodes.count == 3000)
        try await session.close()
    }
}
