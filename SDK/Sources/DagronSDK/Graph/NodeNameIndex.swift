/// Maps node names to their indices in a DAG's `nodeNames`.
///
/// An open-addressing table (linear probing) of 8-byte slots, each holding
/// part of the name's hash and the node's index; names themselves are only
/// read from the names array to confirm a match. The hash is FNV-1a over the
/// name's UTF-8 bytes, which is much cheaper than the standard library's
/// seeded SipHash, and the table is a third of the size of a
/// `[String: Int]`: an executor looks up every node's task by name before a
/// run starts, and that lookup was most of the set-up time of a
/// 10,000-node run.
///
/// FNV-1a is not resistant to names chosen to collide; node names come from
/// the pipeline's own author, and a collision only costs time.
struct NodeNameIndex: Sendable {
    /// Per slot: the hash's upper 32 bits, then the node index + 1 (0: empty).
    private let slots: [UInt64]
    private let mask: Int

    /// The index, or the first duplicate name found in `names`.
    static func build(_ names: [String]) -> Result<NodeNameIndex, DuplicateName> {
        precondition(names.count < 1 << 32, "a DAG holds fewer than 2^32 nodes")
        var capacity = 16
        while capacity < names.count * 2 { capacity *= 2 }
        let mask = capacity - 1
        var slots = [UInt64](repeating: 0, count: capacity)
        for (index, name) in names.enumerated() {
            let hash = Self.hash(name)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 {
                if slots[slot] >> 32 == hash >> 32, names[Int(slots[slot] & 0xFFFF_FFFF) - 1] == name {
                    return .failure(DuplicateName(name: name))
                }
                slot = (slot + 1) & mask
            }
            slots[slot] = (hash & 0xFFFF_FFFF_0000_0000) | UInt64(index + 1)
        }
        return .success(NodeNameIndex(slots: slots, mask: mask))
    }

    /// A name that appears twice.
    struct DuplicateName: Error {
        var name: String
    }

    private init(slots: [UInt64], mask: Int) {
        self.slots = slots
        self.mask = mask
    }

    /// The index of `name` in `names` (the array the index was built from).
    func index(of name: String, in names: [String]) -> Int? {
        let hash = Self.hash(name)
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let entry = slots[slot]
                if entry == 0 { return nil }
                if entry >> 32 == hash >> 32 {
                    let index = Int(entry & 0xFFFF_FFFF) - 1
                    if names[index] == name { return index }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// FNV-1a (64-bit) over the UTF-8 bytes, then a multiplicative mix so
    /// that the low bits (the slot) depend on every byte.
    private static func hash(_ name: String) -> UInt64 {
        func fnv(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            return hash
        }
        let raw = name.utf8.withContiguousStorageIfAvailable(fnv) ?? Array(name.utf8).withUnsafeBufferPointer(fnv)
        let mixed = (raw ^ (raw >> 29)) &* 0x9E37_79B9_7F4A_7C15
        return mixed ^ (mixed >> 32)
    }
}
