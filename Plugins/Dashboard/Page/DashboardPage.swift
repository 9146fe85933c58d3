/// The dashboard page: one self-contained HTML document with its CSS and
/// JavaScript inline. It loads nothing from elsewhere (the server's
/// Content-Security-Policy forbids it), so it works offline.
///
/// The script reads the token from the page URL, subscribes to
/// `/api/events` (`snapshot`, `patch`, `heartbeat`), resyncs from
/// `/api/state` when it sees a gap or hears nothing for a while, and
/// posts gate decisions with `Authorization: Bearer <token>`.
enum DashboardPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>dagron dashboard</title>
        <style>
        :root { --pending:#9aa5b1; --running:#2f80ed; --waiting:#f2c94c; --completed:#27ae60; --failed:#eb5757;
                --skipped:#d0d5da; --timed_out:#f2994a; --cancelled:#6f7780; --bg:#f6f7f9; --fg:#1f2933; --line:#dde2e7; }
        * { box-sizing: border-box; }
        body { margin:0; font:13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--fg); }
        header { display:flex; gap:16px; align-items:center; padding:10px 16px; background:#1f2933; color:#fff; }
        header h1 { font-size:16px; margin:0; font-weight:600; }
        .badge { padding:2px 8px; border-radius:10px; background:#3e4c59; font-size:12px; }
        .badge.running { background:var(--running); } .badge.finished { background:var(--completed); } .badge.failedrun { background:var(--failed); }
        #conn.down { background:var(--failed); }
        main { display:grid; grid-template-columns: minmax(0,1fr) 380px; gap:12px; padding:12px; }
        section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px 12px; min-width:0; }
        section h2 { font-size:13px; margin:0 0 8px; text-transform:uppercase; letter-spacing:.04em; color:#52606d; }
        #graphbox { overflow:auto; max-height:62vh; }
        svg .node rect { stroke:#00000033; stroke-width:1; rx:4; }
        svg .node text { font-size:10px; fill:#102a43; pointer-events:none; }
        svg .edge { fill:none; stroke:#9aa5b1; stroke-width:1; opacity:.55; }
        svg .lvl { font-size:10px; fill:#7b8794; }
        svg .gatenode rect { stroke:#7a5c00; stroke-width:2; stroke-dasharray:4 2; }
        svg .gicon { fill:#fff; stroke:#7a5c00; stroke-width:1.5; }
        .st-pending rect, .sw.st-pending { fill:var(--pending); background:var(--pending); }
        .st-running rect, .sw.st-running { fill:var(--running); background:var(--running); }
        .st-waiting rect, .sw.st-waiting { fill:var(--waiting); background:var(--waiting); }
        .st-completed rect, .sw.st-completed { fill:var(--completed); background:var(--completed); }
        .st-failed rect, .sw.st-failed { fill:var(--failed); background:var(--failed); }
        .st-skipped rect, .sw.st-skipped { fill:var(--skipped); background:var(--skipped); }
        .st-timed_out rect, .sw.st-timed_out { fill:var(--timed_out); background:var(--timed_out); }
        .st-cancelled rect, .sw.st-cancelled { fill:var(--cancelled); background:var(--cancelled); }
        .st-running text, .st-failed text, .st-cancelled text, .st-completed text { fill:#fff; }
        .st-waiting rect { stroke:#b7791f; stroke-width:2; animation: pulse 1s ease-in-out infinite alternate; }
        @keyframes pulse { from { opacity:1; } to { opacity:.55; } }
        .gate { display:flex; gap:6px; align-items:center; padding:6px; margin-bottom:6px; border:2px solid var(--waiting); border-radius:6px; background:#fffbea; flex-wrap:wrap; }
        .gate .gname { font-weight:600; flex:1 1 100%; word-break:break-all; }
        .gate .gmsg { flex:1 1 100%; white-space:pre-wrap; overflow-wrap:anywhere; }
        .gate input { flex:1; min-width:80px; padding:3px 5px; }
        button { cursor:pointer; border:0; border-radius:4px; padding:5px 10px; font-weight:600; color:#fff; }
        button.approve { background:var(--completed); } button.reject { background:var(--failed); }
        button:disabled { opacity:.5; cursor:default; }
        #nogates { color:#7b8794; }
        #msg { color:#c53030; min-height:1em; }
        .counts { display:flex; flex-wrap:wrap; gap:6px; margin-bottom:8px; }
        .count { display:flex; align-items:center; gap:4px; padding:2px 6px; border:1px solid var(--line); border-radius:10px; }
        .sw { display:inline-block; width:10px; height:10px; border-radius:2px; }
        dl { display:grid; grid-template-columns:auto 1fr; gap:2px 8px; margin:0; } dt { color:#52606d; } dd { margin:0; overflow-wrap:anywhere; }
        ol { margin:2px 0 0; padding-left:18px; }
        #timing { grid-column: 1 / -1; }
        #tablebox { overflow:auto; max-height:50vh; }
        table { border-collapse:collapse; width:100%; }
        th, td { text-align:left; padding:2px 6px; border-bottom:1px solid #eef1f4; white-space:nowrap; }
        th { position:sticky; top:0; background:#fff; z-index:1; }
        td.err { white-space:normal; color:#9b2c2c; max-width:360px; }
        td.bar { width:40%; min-width:200px; position:relative; }
        .barbg { position:relative; height:10px; background:#eef1f4; border-radius:2px; }
        .barfg { position:absolute; top:0; height:10px; border-radius:2px; min-width:2px; }
        .num { text-align:right; font-variant-numeric:tabular-nums; }
        #log { max-height:22vh; overflow:auto; font:11px/1.35 ui-monospace, monospace; white-space:pre; }
        </style>
        </head>
        <body>
        <header>
          <h1>dagron dashboard</h1>
          <span id="phase" class="badge">connecting</span>
          <span id="elapsed" class="badge">0.0 s</span>
          <span id="conn" class="badge">live</span>
          <span id="runinfo"></span>
        </header>
        <main>
          <section id="graph"><h2>Graph (by dependency level)</h2><div id="graphbox"><svg id="svg"></svg></div></section>
          <div>
            <section id="gatesec"><h2>Waiting gates</h2><div id="gates"><div id="nogates">No gate is waiting.</div></div><div id="msg"></div></section>
            <section id="summary" style="margin-top:12px"><h2>Summary</h2><div class="counts" id="counts"></div>
              <dl><dt>Total</dt><dd id="total">-</dd><dt>Slowest</dt><dd><ol id="slowest"></ol></dd>
              <dt>Critical path</dt><dd id="critical">-</dd></dl></section>
            <section style="margin-top:12px"><h2>Events</h2><div id="log"></div></section>
          </div>
          <section id="timing"><h2>Timing</h2><div id="tablebox"><table><thead><tr><th>Node</th><th>Status</th><th class="num">Start</th><th class="num">Duration</th><th>Timeline</th><th>Error</th></tr></thead><tbody id="rows"></tbody></table></div></section>
        </main>
        <script>
        "use strict";
        const TOKEN = new URLSearchParams(location.search).get("token") || "";
        const AUTH = { "Authorization": "Bearer " + TOKEN };
        const STATUSES = ["pending","running","waiting","completed","failed","skipped","timed_out","cancelled"];
        let S = null;            // the state: run, seq, nodes (Map), order, edges, gates, waitingGates, summary, events
        let offset = 0;          // server time - local time, seconds
        let lastMessage = Date.now();
        let es = null;
        let renderQueued = false;
        const $ = (id) => document.getElementById(id);
        const esc = (s) => String(s).replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c]));
        const now = () => Date.now() / 1000 + offset;
        const fmt = (s) => s == null ? "" : (s < 10 ? s.toFixed(2) : s < 100 ? s.toFixed(1) : s.toFixed(0)) + " s";

        function applySnapshot(doc) {
          offset = doc.serverTime - Date.now() / 1000;
          S = { run: doc.run, seq: doc.seq, nodes: new Map(), order: [], edges: doc.edges, gates: doc.gates,
                waitingGates: doc.waitingGates, summary: doc.summary, events: doc.events.slice(-300) };
          for (const n of doc.nodes) { S.nodes.set(n.name, n); S.order.push(n.name); }
          S.index = new Map(S.order.map((name, i) => [name, i]));
          buildGraph();
          scheduleRender(true);
        }

        function applyPatch(p) {
          if (!S || p.run.id !== S.run.id || p.fromSeq !== S.seq) { resync(); return; }
          offset = p.serverTime - Date.now() / 1000;
          S.run = p.run; S.seq = p.seq; S.gates = p.gates; S.waitingGates = p.waitingGates; S.summary = p.summary;
          for (const n of p.nodes) { S.nodes.set(n.name, n); paintNode(n); }
          S.events = S.events.concat(p.events).slice(-300);
          scheduleRender(true);
        }

        function resync() {
          fetch("/api/state", { headers: AUTH, cache: "no-store" })
            .then(r => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
            .then(applySnapshot)
            .catch(e => { $("msg").textContent = "cannot load the state: " + e.message; });
        }

        function connect() {
          if (es) es.close();
          es = new EventSource("/api/events?token=" + encodeURIComponent(TOKEN));
          const seen = () => { lastMessage = Date.now(); $("conn").textContent = "live"; $("conn").className = "badge"; };
          es.addEventListener("snapshot", e => { seen(); applySnapshot(JSON.parse(e.data)); });
          es.addEventListener("patch", e => { seen(); applyPatch(JSON.parse(e.data)); });
          es.addEventListener("heartbeat", e => { seen(); const h = JSON.parse(e.data);
            if (!S || h.run !== S.run.id || h.seq !== S.seq) resync(); });
          es.onerror = () => { $("conn").textContent = "reconnecting"; $("conn").className = "badge down"; };
        }

        // Layout: one band per dependency level, top to bottom; a level wider than
        // the panel wraps onto more lines, so even 500 nodes stay readable.
        const W = 140, H = 22, GAP = 8, BAND = 30, LEFT = 34;
        function buildGraph() {
          const svg = $("svg");
          const levels = [];
          for (const name of S.order) { const n = S.nodes.get(name); (levels[n.level] = levels[n.level] || []).push(name); }
          const avail = Math.max(W + GAP, ($("graphbox").clientWidth || 960) - LEFT - 12);
          const perLine = Math.max(1, Math.floor(avail / (W + GAP)));
          const pos = new Map();
          const labels = [];
          let y = 8, maxX = 0;
          levels.forEach((names, lvl) => {
            if (!names) return;
            labels.push(`<text class="lvl" x="2" y="${y + 15}">L${lvl}</text>`);
            names.forEach((name, i) => {
              const line = Math.floor(i / perLine), col = i % perLine;
              const inLine = Math.min(perLine, names.length - line * perLine);
              const offset = (avail - inLine * (W + GAP)) / 2;
              const px = LEFT + Math.max(0, offset) + col * (W + GAP), py = y + line * (H + GAP);
              pos.set(name, [px, py]); maxX = Math.max(maxX, px + W);
            });
            y += Math.ceil(names.length / perLine) * (H + GAP) + BAND;
          });
          const edges = S.edges.map(e => {
            const a = pos.get(e.from), b = pos.get(e.to); if (!a || !b) return "";
            const x1 = a[0] + W / 2, y1 = a[1] + H, x2 = b[0] + W / 2, y2 = b[1], my = (y1 + y2) / 2;
            return `<path class="edge" d="M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}"/>`;
          }).join("");
          const nodes = S.order.map((name, i) => {
            const n = S.nodes.get(name), p = pos.get(name), gate = n.kind === "gate";
            const max = gate ? 19 : 22;
            const label = name.length > max ? name.slice(0, max - 1) + "\u2026" : name;
            return `<g class="node st-${n.status}${gate ? " gatenode" : ""}" id="n${i}" data-name="${esc(name)}" data-kind="${n.kind}" transform="translate(${p[0]},${p[1]})">` +
              `<title>${esc(name)}</title><rect width="${W}" height="${H}"></rect>` +
              (gate ? `<path class="gicon" d="M6,11 L11,6 L16,11 L11,16 Z"></path>` : "") +
              `<text x="${gate ? 20 : 6}" y="15">${esc(label)}</text></g>`;
          }).join("");
          svg.setAttribute("width", Math.max(maxX + 10, 200)); svg.setAttribute("height", y);
          svg.innerHTML = labels.join("") + edges + nodes;
          S.elements = new Map();
          S.order.forEach((name, i) => S.elements.set(name, document.getElementById("n" + i)));
          for (const n of S.nodes.values()) paintNode(n);
        }
        let resizeTimer = 0;
        window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => { if (S) buildGraph(); }, 200); });

        function paintNode(n) {
          const el = S.elements && S.elements.get(n.name); if (!el) return;
          el.setAttribute("class", "node st-" + n.status);
          el.dataset.status = n.status;
          el.querySelector("title").textContent = n.name + " \u2014 " + n.status +
            (n.durationSeconds != null ? " (" + fmt(n.durationSeconds) + ")" : "") + (n.error ? "\n" + n.error : "") +
            (n.skipReason ? "\n" + n.skipReason : "");
        }

        function scheduleRender() {
          if (renderQueued) return;
          renderQueued = true;
          requestAnimationFrame(() => { renderQueued = false; render(); });
        }

        function render() {
          if (!S) return;
          const run = S.run;
          const failedRun = run.phase === "finished" && ((S.summary.counts.failed || 0) + (S.summary.counts.timed_out || 0) > 0);
          $("phase").textContent = run.phase === "idle" ? "waiting for a run" : run.phase + (run.cancelled ? " (cancelled)" : "");
          $("phase").className = "badge " + (failedRun ? "failedrun" : run.phase);
          $("runinfo").textContent = "run " + run.id + " \u00B7 " + S.order.length + " nodes";
          renderGates(); renderSummary(); renderTable(); renderLog();
        }

        function renderGates() {
          const box = $("gates");
          const question = (g) => { const d = S.gates.find(x => x.name === g); return d && d.message ? d.message : ""; };
          const want = JSON.stringify(S.waitingGates.map(g => [g, question(g)]));
          if (box.dataset.gates === want) return;          // keep the reason a user is typing
          box.dataset.gates = want;
          if (!S.waitingGates.length) { box.innerHTML = '<div id="nogates">No gate is waiting.</div>'; return; }
          box.innerHTML = S.waitingGates.map(g =>
            `<div class="gate" data-gate="${esc(g)}"><span class="gname">${esc(g)}</span>` +
            (question(g) ? `<span class="gmsg">${esc(question(g))}</span>` : "") +
            `<button class="approve" data-gate="${esc(g)}">Approve</button>` +
            `<input class="reason" placeholder="reason (optional)">` +
            `<button class="reject" data-gate="${esc(g)}">Reject</button></div>`).join("");
        }

        $("gates").addEventListener("click", (e) => {
          const b = e.target.closest("button"); if (!b) return;
          const gate = b.dataset.gate, approve = b.classList.contains("approve");
          const row = b.closest(".gate");
          const reason = approve ? "" : row.querySelector(".reason").value;
          row.querySelectorAll("button").forEach(x => x.disabled = true);
          const url = "/api/gates/" + encodeURIComponent(gate) + (approve ? "/approve" : "/reject");
          fetch(url, { method: "POST", headers: Object.assign({ "Content-Type": "application/json" }, AUTH),
                       body: approve ? "" : JSON.stringify({ reason: reason || null }) })
            .then(r => r.json().then(j => ({ ok: r.ok, j })))
            .then(({ ok, j }) => { $("msg").textContent = ok ? "" : (j.error && j.error.message) || "refused";
                                   if (!ok) row.querySelectorAll("button").forEach(x => x.disabled = false); })
            .catch(err => { $("msg").textContent = err.message; row.querySelectorAll("button").forEach(x => x.disabled = false); });
        });

        function renderSummary() {
          const sm = S.summary;
          $("counts").innerHTML = STATUSES.map(s => `<span class="count" data-status="${s}"><span class="sw st-${s}"></span>${s.replace("_", " ")} <b>${sm.counts[s] || 0}</b></span>`).join("");
          const elapsed = S.run.phase === "running" && S.run.startedAt ? now() - S.run.startedAt : sm.elapsedSeconds;
          $("elapsed").textContent = fmt(elapsed || 0);
          $("total").textContent = S.run.phase === "finished" ? fmt(S.run.totalSeconds != null ? S.run.totalSeconds : sm.elapsedSeconds) + " for " + sm.total + " nodes" : "running\u2026";
          $("slowest").innerHTML = sm.slowest.map(t => `<li>${esc(t.name)} \u2014 ${fmt(t.durationSeconds)}</li>`).join("");
          $("critical").textContent = sm.criticalPath.length ? sm.criticalPath.join(" \u2192 ") + " (" + fmt(sm.criticalPathSeconds) + ")" : "-";
        }

        function renderTable() {
          const start = S.run.startedAt || now();
          const end = S.run.phase === "finished" ? (S.run.finishedAt || now()) : now();
          const span = Math.max(end - start, 0.001);
          const rows = Array.from(S.nodes.values());
          rows.sort((a, b) => (a.startedAt == null) - (b.startedAt == null) || (a.startedAt || 0) - (b.startedAt || 0) || S.index.get(a.name) - S.index.get(b.name));
          $("rows").innerHTML = rows.map(n => {
            const live = (n.status === "running" || n.status === "waiting") && n.startedAt != null;
            const dur = live ? now() - n.startedAt : n.durationSeconds;
            const left = n.startedAt != null ? Math.max(0, (n.startedAt - start) / span * 100) : 0;
            const width = n.startedAt != null && dur != null ? Math.max(0.3, dur / span * 100) : 0;
            return `<tr data-node="${esc(n.name)}"><td>${esc(n.name)}</td><td><span class="sw st-${n.status}"></span> ${n.status}</td>` +
              `<td class="num">${n.startedAt != null ? "+" + fmt(n.startedAt - start) : ""}</td><td class="num">${fmt(dur)}</td>` +
              `<td class="bar"><div class="barbg">${width ? `<div class="barfg sw st-${n.status}" style="left:${left}%;width:${Math.min(width, 100 - left)}%"></div>` : ""}</div></td>` +
              `<td class="err">${esc(n.error || n.skipReason || "")}</td></tr>`;
          }).join("");
        }

        function renderLog() {
          $("log").textContent = S.events.slice(-200).map(e =>
            new Date(e.time * 1000).toISOString().slice(11, 23) + "  " + e.event.padEnd(13) + " " + (e.node || "") + (e.status ? "  " + e.status : "") +
            (e.message ? "  \u201C" + e.message.replace(/\s+/g, " ") + "\u201D" : "")).join("\n");
        }

        // Running nodes' durations and the elapsed time move even when no event arrives.
        setInterval(() => { if (S && S.run.phase === "running") scheduleRender(); }, 500);
        // Heard nothing for a while (heartbeats come every 5 s): reconnect and resync.
        setInterval(() => { if (Date.now() - lastMessage > 12000) { lastMessage = Date.now(); connect(); resync(); } }, 2000);
        connect();
        </script>
        </body>
        </html>
        """#
}
