import DagronSDK
import Foundation

/// A Slack-compatible incoming-webhook message: `text` (the fallback and
/// notification text), an optional `channel`, and Block Kit `blocks` listing
/// the failed nodes and their errors.
struct SlackMessage: Encodable, Sendable {
    struct Text: Encodable, Sendable {
        var type: String
        var text: String
    }

    struct Block: Encodable, Sendable {
        var type: String
        var text: Text
    }

    var text: String
    var channel: String?
    var blocks: [Block]

    /// Slack shows at most 50 blocks; keep room for the header and summary.
    static let maxNodeBlocks = 40

    /// The message for a finished execution.
    init(result: ExecutionResult, channel: String?) {
        let failedNodes = result.results
            .filter { $0.status == .failed || $0.status == .timedOut }
            .sorted { ($0.finishedAt ?? 0, $0.name) < ($1.finishedAt ?? 0, $1.name) }
        let outcome = result.wasCancelled ? "was cancelled" : result.isSuccess ? "succeeded" : "failed"
        let duration = String(format: "%.2fs", result.totalDurationSeconds)
        var text =
            "dagron run \(outcome): \(result.succeeded) of \(result.results.count) nodes completed in \(duration)"
        if !failedNodes.isEmpty {
            text += "; failed: " + failedNodes.prefix(10).map(\.name).joined(separator: ", ")
            if failedNodes.count > 10 { text += " and \(failedNodes.count - 10) more" }
        }
        self.text = text
        self.channel = channel
        var blocks = [
            Block(type: "header", text: Text(type: "plain_text", text: "dagron run \(outcome)")),
            Block(
                type: "section",
                text: Text(
                    type: "mrkdwn",
                    text:
                        "*\(result.succeeded)* completed, *\(result.failed + result.timedOut)* failed, "
                        + "*\(result.skipped + result.cancelled)* skipped or cancelled, in \(duration)")),
        ]
        for node in failedNodes.prefix(Self.maxNodeBlocks) {
            var detail = "*\(node.name)* (\(node.status.rawValue))"
            if let error = node.errorMessage { detail += ": " + Self.clip(error, 500) }
            if let tail = node.stderrTail, !tail.isEmpty { detail += "\n```" + Self.clip(tail, 1500) + "```" }
            blocks.append(Block(type: "section", text: Text(type: "mrkdwn", text: detail)))
        }
        if failedNodes.count > Self.maxNodeBlocks {
            blocks.append(
                Block(
                    type: "section",
                    text: Text(
                        type: "mrkdwn",
                        text: "… and \(failedNodes.count - Self.maxNodeBlocks) more failed nodes")))
        }
        self.blocks = blocks
    }

    /// The JSON body.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    private static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
