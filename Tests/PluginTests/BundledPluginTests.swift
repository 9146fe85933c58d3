import Testing

/// Every bundled-plugin suite, run one test at a time: the plugins share
/// process-wide state that the tests change on purpose (the host's log sink,
/// thread and descriptor counts).
@Suite("Bundled plugins", .serialized)
enum BundledPluginTests {}
