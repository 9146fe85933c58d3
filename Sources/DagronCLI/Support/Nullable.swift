/// An optional property of a `--json` document that is written as `null`
/// when absent, instead of leaving its key out: every document of a kind
/// then has the same keys, the shape docs/run.md documents.
@propertyWrapper
struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    /// The value, or `nil` for `null`.
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
