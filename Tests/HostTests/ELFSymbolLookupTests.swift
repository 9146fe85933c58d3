import Dagron
import Foundation
import Testing

/// `ELFImage.definesDynamicSymbol` on real gcc output: through the GNU hash
/// table (the default) and, for a library linked with only the old SysV hash
/// table, by scanning `.dynsym`.
@Suite("ELF dynamic symbol lookup")
struct ELFSymbolLookupTests {
    /// 300 exported functions (long hash chains), one static function, and an import.
    private static let source =
        (0..<300).map { "int exported_\($0)(void) { return \($0); }" }.joined(separator: "\n") + """

            static int hidden_helper(void) { return 7; }
            int alpha(void) { return hidden_helper() + puts("x"); }
            """

    private func library(hashStyle: String, in directory: TemporaryDirectory) throws -> String {
        let file = directory.path + "/symbols.c"
        try ("#include <stdio.h>\n" + Self.source).write(toFile: file, atomically: true, encoding: .utf8)
        let output = directory.path + "/libsymbols-\(hashStyle).so"
        let built = try Command.run(
            try Command.tool("gcc"), ["-shared", "-fPIC", "-Wl,--hash-style=\(hashStyle)", "-o", output, file])
        #expect(built.status == 0, "\(built.all)")
        return output
    }

    private func defines(_ symbol: String, in path: String) throws -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        return try ELFImage(descriptor: descriptor).definesDynamicSymbol(symbol, descriptor: descriptor)
    }

    @Test("finds every exported symbol and nothing else", arguments: ["gnu", "sysv"])
    func lookup(hashStyle: String) throws {
        let directory = try TemporaryDirectory()
        let path = try library(hashStyle: hashStyle, in: directory)
        let sections = try Command.run(try Command.tool("readelf"), ["-S", "-W", path]).stdout
        #expect(sections.contains("GNU_HASH") == (hashStyle == "gnu"), "the fixture has the intended hash table")

        for index in 0..<300 {
            #expect(try defines("exported_\(index)", in: path), "exported_\(index) (\(hashStyle))")
        }
        #expect(try defines("alpha", in: path))
        #expect(try !defines("alph", in: path), "a prefix of a name is not the name")
        #expect(try !defines("alphabet", in: path), "nor is a longer name")
        #expect(try !defines("hidden_helper", in: path), "static functions are not exported")
        #expect(try !defines("puts", in: path), "an import is not a definition")
        #expect(try !defines("", in: path))
    }

    /// Every field that locates something in the file (the section table;
    /// each section's offset, size, link and entry size; the hash table's
    /// counts) set to values no real file has, through every reader: a
    /// stray file on the plugin path trapped the host (arithmetic overflow,
    /// an offset past `Int64`). Each reader must answer, not crash.
    @Test("a file whose offsets, sizes and counts are crafted never traps a reader", arguments: ["gnu", "sysv"])
    func craftedFieldsNeverTrap(hashStyle: String) throws {
        let directory = try TemporaryDirectory()
        let path = try library(hashStyle: hashStyle, in: directory)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        func u64(_ at: Int) -> Int {
            original.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        }
        func u16(_ at: Int) -> Int {
            original.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
        }
        let table = u64(0x28)
        let entry = u16(0x3A)
        let count = u16(0x3C)
        // (byte offset, width) of every field worth corrupting.
        var fields: [(Int, Int)] = [(0x28, 8), (0x3A, 2), (0x3C, 2)]
        for index in 0..<count {
            let base = table + index * entry
            fields += [(base + 24, 8), (base + 32, 8), (base + 40, 4), (base + 56, 8)]
            let type = original.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: base + 4, as: UInt32.self) }
            if type == 0x6FFF_FFF6 {  // the GNU hash table's four counts
                let at = u64(base + 24)
                fields += [(at, 4), (at + 4, 4), (at + 8, 4), (at + 12, 4)]
            }
        }
        let values: [UInt64] = [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 62, 1 << 63, UInt64.max - 0xFFFF, UInt64.max]
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var checked = 0
        for (offset, width) in fields {
            for value in values {
                var bytes = withUnsafeBytes(of: value.littleEndian) { Array($0.prefix(width)) }
                _ = pwrite(descriptor, &bytes, width, off_t(offset))
                if let image = try? ELFImage(descriptor: descriptor) {
                    _ = image.definesDynamicSymbol("exported_7", descriptor: descriptor)
                    _ = image.firstMissingDynamicSymbol(among: ["alpha", "nothing"], descriptor: descriptor)
                    _ = image.neededLibraries(descriptor: descriptor)
                    _ = image.sharedObjectName(descriptor: descriptor)
                }
                var restore = Array(original[offset..<(offset + width)])
                _ = pwrite(descriptor, &restore, width, off_t(offset))
                checked += 1
            }
        }
        #expect(checked > 100)
        #expect(try defines("exported_7", in: path), "the file was put back as it was")
    }
}
