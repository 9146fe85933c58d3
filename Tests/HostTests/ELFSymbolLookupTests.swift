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
}
