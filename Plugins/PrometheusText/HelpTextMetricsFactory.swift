import CoreMetrics
import Foundation
import Prometheus

/// A swift-metrics factory over a swift-prometheus registry that attaches
/// `# HELP` text to each metric family.
///
/// `PrometheusMetricsFactory` registers families without help text, which
/// `promtool check metrics` rejects; this factory creates the same handlers
/// through the registry's own `make…(descriptor:labels:)` calls instead.
/// Everything else (bucket layout, destroying) is delegated to a
/// `PrometheusMetricsFactory` on the same registry.
struct HelpTextMetricsFactory: MetricsFactory {
    /// The registry the handlers live in; its `emit` produces the exposition text.
    let registry: PrometheusCollectorRegistry
    private let base: PrometheusMetricsFactory
    private let help: [String: String]

    /// - Parameters:
    ///   - registry: Where the metrics live.
    ///   - help: Help text by metric name.
    ///   - durationBuckets: Histogram buckets for timers, by metric name.
    init(registry: PrometheusCollectorRegistry, help: [String: String], durationBuckets: [String: [Duration]] = [:]) {
        self.registry = registry
        var base = PrometheusMetricsFactory(registry: registry)
        base.durationHistogramBuckets = durationBuckets
        self.base = base
        self.help = help
    }

    /// The metric's name (the label as given) with its help text.
    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: label, unitName: "", helpText: help[label] ?? label.replacingOccurrences(of: "_", with: " "))
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        let buckets = base.valueHistogramBuckets[label] ?? base.defaultValueHistogramBuckets
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        makeDurationHistogram(label: label, dimensions: dimensions)
    }

    /// The swift-prometheus histogram a timer for `label` and `dimensions`
    /// records into (created on first use), for callers that record into it
    /// directly rather than through a swift-metrics `Timer`.
    func makeDurationHistogram(label: String, dimensions: [(String, String)]) -> DurationHistogram {
        let buckets = base.durationHistogramBuckets[label] ?? base.defaultDurationHistogramBuckets
        return registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        base.destroyFloatingPointCounter(handler)
    }
    func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
