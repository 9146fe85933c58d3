import Foundation

/// A real Prometheus server (Debian package `prometheus`) on loopback,
/// scraping one target every second, with its data in a temporary folder.
final class PrometheusServer: Sendable {
    static let executable = "/usr/bin/prometheus"
    let port: Int
    private let process: Process
    let logPath: String

    /// Starts Prometheus scraping `target` (`host:port`) and waits until its API answers.
    init(scraping target: String, folder: TemporaryFolder, client: TestHTTPClient) async throws {
        let config = folder.path("prometheus.yml")
        try """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
        scrape_configs:
          - job_name: dagron
            static_configs:
              - targets: ['\(target)']
        """.write(toFile: config, atomically: true, encoding: .utf8)
        port = try freePort()
        logPath = folder.path("prometheus.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = [
            "--config.file=\(config)",
            "--storage.tsdb.path=\(folder.path("tsdb"))",
            "--web.listen-address=127.0.0.1:\(port)",
        ]
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try log.close()
        let port = self.port
        let ready = await waitUntil(timeout: .seconds(60)) {
            (try? await client.get("http://127.0.0.1:\(port)/-/ready").status) == 200
        }
        guard ready else {
            stop()
            throw PrometheusStartError(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
        }
    }

    /// The values of an instant query, as (labels, value) pairs.
    func query(_ expression: String, client: TestHTTPClient) async throws -> [([String: String], Double)] {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: expression)]
        let document = try await client.getJSON(components.url!.absoluteString)
        guard document["status"] as? String == "success",
            let data = document["data"] as? [String: Any],
            let result = data["result"] as? [[String: Any]]
        else { return [] }
        return result.compactMap { series in
            guard let labels = series["metric"] as? [String: String],
                let value = series["value"] as? [Any], value.count == 2,
                let text = value[1] as? String, let number = Double(text)
            else { return nil }
            return (labels, number)
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

struct PrometheusStartError: Error, CustomStringConvertible {
    let log: String
    var description: String { "prometheus did not become ready:\n\(log)" }
}
