/// A log record's key/value pairs as text, kept sorted by key in temporary
/// (stack) memory: a record has a handful, so inserting in place costs less
/// than allocating arrays and sorting them.
struct SortedFields {
    let keys: UnsafeMutablePointer<String>
    let values: UnsafeMutablePointer<String>
    private(set) var count = 0

    private init(keys: UnsafeMutablePointer<String>, values: UnsafeMutablePointer<String>) {
        self.keys = keys
        self.values = values
    }

    /// Calls `fill` to insert at most `capacity` pairs, then `body` with the
    /// sorted keys and values.
    static func with(
        capacity: Int, fill: (inout SortedFields) -> Void,
        _ body: (UnsafeBufferPointer<String>, UnsafeBufferPointer<String>) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: String.self, capacity: capacity) { keyBuffer in
            withUnsafeTemporaryAllocation(of: String.self, capacity: capacity) { valueBuffer in
                var fields = SortedFields(keys: keyBuffer.baseAddress!, values: valueBuffer.baseAddress!)
                defer { fields.deinitialize() }
                fill(&fields)
                precondition(fields.count <= capacity, "more log fields than reserved")
                body(
                    UnsafeBufferPointer(start: fields.keys, count: fields.count),
                    UnsafeBufferPointer(start: fields.values, count: fields.count))
            }
        }
    }

    /// Inserts `key` in order; an existing `key` gets the new value.
    mutating func insert(_ key: String, _ value: String) {
        var slot = count
        while slot > 0 && key < keys[slot - 1] { slot -= 1 }
        if slot > 0 && keys[slot - 1] == key {
            values[slot - 1] = value
            return
        }
        (keys + slot + 1).moveInitialize(from: keys + slot, count: count - slot)
        (values + slot + 1).moveInitialize(from: values + slot, count: count - slot)
        (keys + slot).initialize(to: key)
        (values + slot).initialize(to: value)
        count += 1
    }

    private mutating func deinitialize() {
        keys.deinitialize(count: count)
        values.deinitialize(count: count)
        count = 0
    }
}
