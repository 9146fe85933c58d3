import Foundation
import Testing

@testable import Dagron

/// The C arrays a spawn hands to `execve`, and the programs it finds on `PATH`.
@Suite("SpawnSupport")
struct SpawnSupportTests {
    /// The strings `withCStrings` hands over, read back up to the array's NULL.
    private func readBack(_ strings: [String]) -> [String] {
        SpawnSupport.withCStrings(strings) { pointers in
            var read: [String] = []
            var index = 0
            while let pointer = pointers[index] {
                read.append(String(cString: pointer))
                index += 1
            }
            return read
        }
    }

    @Test func everyStringIsCopiedWholeAndTheArrayEndsWithNULL() {
        #expect(readBack([]) == [])
        #expect(readBack(["true"]) == ["true"])
        #expect(readBack(["", "a", ""]) == ["", "a", ""])
        #expect(readBack(["grüße ✓", "tab\there", "new\nline"]) == ["grüße ✓", "tab\there", "new\nline"])
        // Bigger than any stack buffer: the temporary allocation goes to the heap.
        let many = (0..<5000).map { "VARIABLE_\($0)=" + String(repeating: "x", count: $0 % 97) }
        #expect(readBack(many) == many)
    }

    @Test func aStringWithANULByteEndsThereAsInC() {
        // What `strdup` made of it before: C reads up to the first NUL.
        #expect(readBack(["ab\u{0}cd", "next"]) == ["ab", "next"])
    }

    @Test func programsRememberedForOnePathAreNotTakenForAnotherOfTheSameLength() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dagron-search-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        // Two `PATH`s of equal length (remembered programs are hashed by the
        // word and the lengths), each with its own `tool`.
        var paths: [String] = []
        for name in ["one", "two"] {
            let directory = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let tool = directory.appendingPathComponent("tool").path
            #expect(FileManager.default.createFile(atPath: tool, contents: Data("#!/bin/sh\n".utf8)))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool)
            paths.append(directory.path)
        }
        #expect(paths[0].utf8.count == paths[1].utf8.count)
        for trusting in [false, true] {
            for path in paths + paths {
                #expect(
                    ProgramSearch.find("tool", path: path, workingDirectory: "/", trusting: trusting)
                        == .program(path + "/tool"))
            }
        }
        #expect(ProgramSearch.find("tool", path: "/nonexistent-dir", workingDirectory: "/") == .notFound)
    }
}
