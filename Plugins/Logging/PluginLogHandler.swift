import Logging

/// What the plugin's two swift-log handlers share: handler-level metadata,
/// the metadata provider, and how a record's metadata is merged with them.
protocol PluginLogHandler: LogHandler {
    var metadata: Logger.Metadata { get set }
    var metadataProvider: Logger.MetadataProvider? { get set }
}

extension PluginLogHandler {
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The handler's metadata, then the provider's, then the record's own,
    /// later ones winning. The common case (only the record has metadata)
    /// copies nothing.
    func mergedMetadata(_ recordMetadata: Logger.Metadata?) -> Logger.Metadata {
        let provided = metadataProvider?.get()
        guard !metadata.isEmpty || !(provided?.isEmpty ?? true) else { return recordMetadata ?? [:] }
        var merged = metadata
        if let provided { merged.merge(provided) { $1 } }
        if let recordMetadata { merged.merge(recordMetadata) { $1 } }
        return merged
    }
}
