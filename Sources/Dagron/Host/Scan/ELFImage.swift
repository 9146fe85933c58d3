#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What the host reads from an ELF file before it lets `dlopen` near it:
/// the header (class, byte order, type, machine) and, for shared objects of
/// the host's own format, whether the file defines a given dynamic symbol.
///
/// Reading the dynamic symbol table tells a plugin from an ordinary library
/// (such as `libDagronSDK.so` next to the binary) without running any of its
/// code, and turns "missing symbol" into an error that names the symbol.
public struct ELFImage: Sendable {
    /// `EI_CLASS`: 1 for 32-bit, 2 for 64-bit.
    public let fileClass: UInt8
    /// `EI_DATA`: 1 for little-endian, 2 for big-endian.
    public let byteOrder: UInt8
    /// `e_type`: 1 relocatable (`.o`), 2 executable, 3 shared object, 4 core.
    public let type: UInt16
    /// `e_machine`, for example 62 (x86-64) or 183 (AArch64).
    public let machine: UInt16

    private let sectionHeaderOffset: UInt64
    private let sectionHeaderSize: UInt16
    private let sectionCount: UInt16

    /// Why a file could not be read as ELF.
    public enum ReadError: Error, Sendable, Equatable {
        /// The file does not start with `\u{7f}ELF` or is shorter than a header.
        case notELF
        /// The file could not be read (`errno` text).
        case unreadable(String)
    }

    /// Reads the header from an open descriptor (positioned reads; the
    /// descriptor's offset is not used).
    public init(descriptor: Int32) throws(ReadError) {
        var header = [UInt8](repeating: 0, count: 64)
        let count = header.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 64, 0) }
        if count < 0 { throw .unreadable(String(cString: strerror(errno))) }
        guard count >= 20, header[0] == 0x7F, header[1] == 0x45, header[2] == 0x4C, header[3] == 0x46 else {
            throw .notELF
        }
        fileClass = header[4]
        byteOrder = header[5]
        let little = byteOrder != 2
        func u16(_ at: Int) -> UInt16 {
            little ? UInt16(header[at]) | UInt16(header[at + 1]) << 8 : UInt16(header[at]) << 8 | UInt16(header[at + 1])
        }
        type = u16(16)
        machine = u16(18)
        if fileClass == 2, little, count >= 64 {
            sectionHeaderOffset = header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0x28, as: UInt64.self) }
            sectionHeaderSize = u16(0x3A)
            sectionCount = u16(0x3C)
        } else {
            sectionHeaderOffset = 0
            sectionHeaderSize = 0
            sectionCount = 0
        }
    }

    /// Reads the header of the file at `path`.
    public init(path: String) throws(ReadError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .unreadable(String(cString: strerror(errno))) }
        defer { close(fd) }
        try self.init(descriptor: fd)
    }

    /// The `e_machine` of the machine this code runs on.
    public static var hostMachine: UInt16 {
        #if arch(x86_64)
            62
        #elseif arch(arm64)
            183
        #elseif arch(riscv64)
            243
        #elseif arch(s390x)
            22
        #elseif arch(powerpc64le) || arch(powerpc64)
            21
        #else
            0
        #endif
    }

    /// Whether the file's class, byte order and machine are the host's.
    public var matchesHost: Bool {
        machine == Self.hostMachine && fileClass == 2 && byteOrder == (hostIsLittleEndian ? 1 : 2)
    }

    private var hostIsLittleEndian: Bool { 1.littleEndian == 1 }

    /// A readable name for ``machine``, with the class when it matters
    /// (`x86_64`, `aarch64`, `i386`, `arm`, or `machine 1234`).
    public var architectureName: String { Self.architectureName(machine: machine) }

    /// A readable name for an `e_machine` value.
    public static func architectureName(machine: UInt16) -> String {
        switch machine {
        case 3: "i386"
        case 8: "mips"
        case 20: "ppc"
        case 21: "ppc64"
        case 22: "s390x"
        case 40: "arm"
        case 62: "x86_64"
        case 183: "aarch64"
        case 243: "riscv"
        case 258: "loongarch"
        default: "machine \(machine)"
        }
    }

    /// A readable name for ``type``.
    public var typeName: String {
        switch type {
        case 1: "a relocatable object file (.o), not a shared library"
        case 2: "an executable, not a shared library"
        case 3: "a shared library"
        case 4: "a core dump, not a shared library"
        default: "an ELF file of type \(type), not a shared library"
        }
    }

    /// Whether the file defines the dynamic symbol `name` (undefined imports
    /// do not count).
    ///
    /// Uses the `.gnu.hash` table when the file has one (every library a
    /// modern toolchain links does), so only a handful of small reads are
    /// needed however many symbols the file exports (a plugin embedding NIO
    /// exports over 20,000); otherwise scans `.dynsym`, comparing bytes.
    /// `false` for files not of the host's class and byte order.
    public func definesDynamicSymbol(_ name: String, descriptor: Int32) -> Bool {
        firstMissingDynamicSymbol(among: [name], descriptor: descriptor) == nil
    }

    /// The first of `names` the file does not define, or `nil` when it
    /// defines them all. Reads the section tables once for all the names.
    public func firstMissingDynamicSymbol(among names: [String], descriptor: Int32) -> String? {
        guard let tables = dynamicTables(descriptor: descriptor) else { return names.first }
        return names.first { name in
            let target = Array(name.utf8)
            if let hash = tables.gnuHash {
                return !lookUpWithGNUHash(target, hash: hash, tables: tables, descriptor: descriptor)
            }
            return !scanForSymbol(target, tables: tables, descriptor: descriptor)
        }
    }

    /// The file's `DT_NEEDED` entries (the libraries it names for the dynamic
    /// linker), in file order; empty for files not of the host's class and
    /// byte order or without a dynamic section.
    public func neededLibraries(descriptor: Int32) -> [String] {
        dynamicStrings(descriptor: descriptor).filter { $0.tag == 1 /* DT_NEEDED */ }.map(\.name)
    }

    /// The file's `DT_SONAME` (the name under which the dynamic linker matches
    /// it against other objects' `NEEDED` entries), if it has one.
    public func sharedObjectName(descriptor: Int32) -> String? {
        dynamicStrings(descriptor: descriptor).first { $0.tag == 14 /* DT_SONAME */ }?.name
    }

    /// The `DT_NEEDED` and `DT_SONAME` entries of the dynamic section, with their strings.
    private func dynamicStrings(descriptor: Int32) -> [(tag: Int64, name: String)] {
        guard fileClass == 2, byteOrder == 1, sectionHeaderSize >= 64, sectionCount > 0, sectionCount < 4096,
            let sections = read(
                descriptor, offset: sectionHeaderOffset, count: Int(sectionHeaderSize) * Int(sectionCount))
        else { return [] }
        func section(_ index: Int) -> (type: UInt32, offset: UInt64, size: UInt64, link: UInt32) {
            sections.withUnsafeBytes { raw in
                let base = index * Int(sectionHeaderSize)
                return (
                    raw.loadUnaligned(fromByteOffset: base + 4, as: UInt32.self),
                    raw.loadUnaligned(fromByteOffset: base + 24, as: UInt64.self),
                    raw.loadUnaligned(fromByteOffset: base + 32, as: UInt64.self),
                    raw.loadUnaligned(fromByteOffset: base + 40, as: UInt32.self)
                )
            }
        }
        guard let dynamic = (0..<Int(sectionCount)).lazy.map(section).first(where: { $0.type == 6 /* SHT_DYNAMIC */ }),
            Int(dynamic.link) < Int(sectionCount), dynamic.size >= 16, dynamic.size < 1 << 20,
            let entries = read(descriptor, offset: dynamic.offset, count: Int(dynamic.size))
        else { return [] }
        let strings = section(Int(dynamic.link))
        var found: [(tag: Int64, name: String)] = []
        for base in stride(from: 0, through: entries.count - 16, by: 16) {
            let (tag, value) = entries.withUnsafeBytes {
                (
                    $0.loadUnaligned(fromByteOffset: base, as: Int64.self),
                    $0.loadUnaligned(fromByteOffset: base + 8, as: UInt64.self)
                )
            }
            if tag == 0 /* DT_NULL */ { break }
            guard tag == 1 || tag == 14, value < strings.size else { continue }
            let length = Int(min(strings.size - value, 4096))
            guard let text = read(descriptor, offset: strings.offset &+ value, count: length),
                let end = text.firstIndex(of: 0), end > 0
            else { continue }
            found.append((tag, String(decoding: text[..<end], as: UTF8.self)))
        }
        return found
    }

    /// Where the dynamic symbol table, its string table and the GNU hash table are.
    private struct DynamicTables {
        var symbols: (offset: UInt64, size: UInt64, entrySize: UInt64)
        var strings: (offset: UInt64, size: UInt64)
        var gnuHash: (offset: UInt64, size: UInt64)?
    }

    private func dynamicTables(descriptor: Int32) -> DynamicTables? {
        guard fileClass == 2, byteOrder == 1, sectionHeaderSize >= 64, sectionCount > 0, sectionCount < 4096 else {
            return nil
        }
        let tableSize = Int(sectionHeaderSize) * Int(sectionCount)
        guard let sections = read(descriptor, offset: sectionHeaderOffset, count: tableSize) else { return nil }
        func section(_ index: Int) -> (type: UInt32, offset: UInt64, size: UInt64, link: UInt32, entrySize: UInt64) {
            sections.withUnsafeBytes { raw in
                let base = index * Int(sectionHeaderSize)
                return (
                    raw.loadUnaligned(fromByteOffset: base + 4, as: UInt32.self),
                    raw.loadUnaligned(fromByteOffset: base + 24, as: UInt64.self),
                    raw.loadUnaligned(fromByteOffset: base + 32, as: UInt64.self),
                    raw.loadUnaligned(fromByteOffset: base + 40, as: UInt32.self),
                    raw.loadUnaligned(fromByteOffset: base + 56, as: UInt64.self)
                )
            }
        }
        var found: DynamicTables?
        var gnuHash: (offset: UInt64, size: UInt64)?
        for index in 0..<Int(sectionCount) {
            let entry = section(index)
            if entry.type == 0x6FFF_FFF6 /* SHT_GNU_HASH */ { gnuHash = (entry.offset, entry.size) }
            guard found == nil, entry.type == 11 /* SHT_DYNSYM */, entry.entrySize >= 24,
                Int(entry.link) < Int(sectionCount)
            else { continue }
            let strings = section(Int(entry.link))
            guard entry.size < 256 << 20, strings.size < 256 << 20 else { return nil }
            found = DynamicTables(
                symbols: (entry.offset, entry.size, entry.entrySize), strings: (strings.offset, strings.size))
        }
        found?.gnuHash = gnuHash
        return found
    }

    /// The GNU hash of a symbol name (`h = h * 33 + c`, from 5381).
    static func gnuHash(_ name: [UInt8]) -> UInt32 {
        name.reduce(UInt32(5381)) { $0 &* 33 &+ UInt32($1) }
    }

    private func lookUpWithGNUHash(
        _ target: [UInt8], hash: (offset: UInt64, size: UInt64), tables: DynamicTables, descriptor: Int32
    ) -> Bool {
        guard hash.size >= 16, let header = read(descriptor, offset: hash.offset, count: 16) else { return false }
        let (bucketCount, symbolOffset, bloomSize) = header.withUnsafeBytes { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self),
                raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self),
                raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            )
        }
        guard bucketCount > 0 else { return false }
        let value = Self.gnuHash(target)
        // Offsets come from the file: wrapping arithmetic, and `read` refuses
        // any that lies past what a file can hold.
        let bucketsStart = hash.offset &+ 16 &+ UInt64(bloomSize) &* 8
        let chainsStart = bucketsStart &+ UInt64(bucketCount) &* 4
        guard let bucket = readUInt32(descriptor, at: bucketsStart &+ UInt64(value % bucketCount) &* 4),
            bucket >= symbolOffset
        else { return false }
        var symbol = bucket
        let symbolCount = UInt32(tables.symbols.size / tables.symbols.entrySize)
        // A real chain is a few entries long; a crafted one cannot make this read a file's worth.
        var steps = 0
        while symbol < symbolCount, steps < 1 << 16 {
            steps += 1
            guard let chain = readUInt32(descriptor, at: chainsStart &+ UInt64(symbol - symbolOffset) &* 4) else {
                return false
            }
            if chain | 1 == value | 1, symbolNamed(target, index: Int(symbol), tables: tables, descriptor: descriptor) {
                return true
            }
            if chain & 1 == 1 { return false }
            symbol += 1
        }
        return false
    }

    /// Whether symbol `index` is defined and called `target`.
    private func symbolNamed(_ target: [UInt8], index: Int, tables: DynamicTables, descriptor: Int32) -> Bool {
        let at = tables.symbols.offset &+ UInt64(index) &* tables.symbols.entrySize
        guard let entry = read(descriptor, offset: at, count: 8) else { return false }
        let (nameOffset, sectionIndex) = entry.withUnsafeBytes {
            ($0.loadUnaligned(fromByteOffset: 0, as: UInt32.self), $0.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        }
        guard sectionIndex != 0 /* SHN_UNDEF */, UInt64(nameOffset) + UInt64(target.count) < tables.strings.size,
            let name = read(descriptor, offset: tables.strings.offset &+ UInt64(nameOffset), count: target.count + 1)
        else {
            return false
        }
        return name.last == 0 && name.dropLast().elementsEqual(target)
    }

    private func scanForSymbol(_ target: [UInt8], tables: DynamicTables, descriptor: Int32) -> Bool {
        guard let table = read(descriptor, offset: tables.symbols.offset, count: Int(tables.symbols.size)),
            let names = read(descriptor, offset: tables.strings.offset, count: Int(tables.strings.size))
        else { return false }
        guard let entrySize = Int(exactly: tables.symbols.entrySize) else { return false }
        let count = Int(tables.symbols.size) / entrySize
        return table.withUnsafeBytes { entries in
            names.withUnsafeBytes { text in
                for entry in 0..<count {
                    let base = entry * entrySize
                    let nameOffset = Int(entries.loadUnaligned(fromByteOffset: base, as: UInt32.self))
                    let sectionIndex = entries.loadUnaligned(fromByteOffset: base + 6, as: UInt16.self)
                    guard sectionIndex != 0, nameOffset > 0, nameOffset + target.count < text.count,
                        text[nameOffset + target.count] == 0
                    else { continue }
                    if text[nameOffset..<(nameOffset + target.count)].elementsEqual(target) { return true }
                }
                return false
            }
        }
    }

    private func readUInt32(_ descriptor: Int32, at offset: UInt64) -> UInt32? {
        read(descriptor, offset: offset, count: 4)?.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    /// `count` bytes at `offset`, or `nil` if the file has fewer there, or
    /// the range lies past what any file can hold (a crafted offset).
    private func read(_ descriptor: Int32, offset: UInt64, count: Int) -> [UInt8]? {
        guard count > 0 else { return [] }
        guard let start = Int64(exactly: offset), start <= Int64.max - Int64(count) else { return nil }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, count - done, off_t(start) + off_t(done))
            }
            if n <= 0 { return nil }
            done += n
        }
        return buffer
    }
}
