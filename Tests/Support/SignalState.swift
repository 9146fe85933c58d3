/// Whether the `SigBlk:` and `SigIgn:` lines of a `/proc/<pid>/status`
/// (as `grep -E '^Sig(Blk|Ign):'` prints them) show no standard signal
/// (1-31) blocked or ignored: what a child of `dagron` should start with,
/// whatever `dagron` itself ignores or blocks. glibc's own real-time signals
/// (32 and 33, bits 31 and 32) are left out: its `posix_spawn` ignores them in every child.
public func standardSignalsAtTheirDefault(_ status: String) -> Bool {
    let values = status.split(separator: "\n").compactMap { line -> UInt64? in
        let fields = line.split(separator: "\t")
        guard fields.count == 2, fields[0] == "SigBlk:" || fields[0] == "SigIgn:" else { return nil }
        return UInt64(fields[1], radix: 16)
    }
    return values.count == 2 && values.allSatisfy { $0 & 0x7FFF_FFFF == 0 }
}
