import Testing

@testable import Dagron

/// The YAML composer under the pipeline reader: values mean what they meant
/// when Yams composed the file, and every kind of bad text is one problem
/// with its line and column.
@Suite struct YAMLComposerTests {
    private func root(_ text: String) throws -> YAMLNode {
        try #require(try YAMLComposer.compose(text))
    }

    private func problem(_ text: String) -> YAMLProblem? {
        do {
            _ = try YAMLComposer.compose(text)
            return nil
        } catch {
            return error
        }
    }

    private func value(_ text: String) throws -> YAMLNode {
        let mapping = try #require(try root("v: \(text)\n").mapping)
        return try #require(mapping.entries.first?.value)
    }

    @Test func scalarsKeepTheirTextStyleAndTag() throws {
        let plain = try value("yes")
        #expect(plain.string == "yes" && plain.scalar?.isPlain == true && plain.tag == nil)
        #expect(plain.resolvedTag == YAMLTag.bool && plain.bool == true)

        let quoted = try value("'yes'")
        #expect(quoted.string == "yes" && quoted.scalar?.isPlain == false)
        #expect(quoted.resolvedTag == YAMLTag.str && quoted.bool == nil)

        let tagged = try value("!!str on")
        #expect(tagged.tag == YAMLTag.str && tagged.bool == nil && tagged.resolvedTag == YAMLTag.str)

        let nonSpecific = try value("! true")
        #expect(nonSpecific.resolvedTag == YAMLTag.str)

        let custom = try value("!thing x")
        #expect(custom.resolvedTag == "!thing")

        // Any case is a boolean to `bool`; only the YAML 1.1 spellings resolve as one.
        let odd = try value("tRuE")
        #expect(odd.bool == true && odd.resolvedTag == YAMLTag.str)

        let escaped = try value(#""a\tb\u00e9""#)
        #expect(escaped.string == "a\tbé")
    }

    @Test func nullIsAPlainScalarSpeltAsNull() throws {
        for text in ["", "~", "null", "Null", "NULL"] {
            let node = try value(text)
            #expect(node.isNull, "\(text)")
            #expect(node.resolvedTag == YAMLTag.null, "\(text)")
        }
        #expect(try value("'null'").isNull == false)
        #expect(try value("nil").isNull == false)
        // Tagged a string, a plain `null` is still null to `isNull` (as Yams answered), but its tag says string.
        let taggedNull = try value("!!str null")
        #expect(taggedNull.isNull && taggedNull.resolvedTag == YAMLTag.str)
    }

    @Test func collectionsKeepOrderPositionsAndTags() throws {
        let document = try root("a: [x, y]\nb:\n  c: 1\n  d: 2\n")
        let entries = try #require(document.mapping?.entries)
        #expect(entries.map { $0.key.string } == ["a", "b"])
        #expect(entries[0].value.sequence?.map(\.string) == ["x", "y"])
        #expect(entries[0].value.resolvedTag == YAMLTag.seq)
        #expect(entries[1].value.resolvedTag == YAMLTag.map)
        #expect((entries[1].key.line, entries[1].key.column) == (2, 1))
        let d = try #require(entries[1].value.mapping?.entries.last)
        #expect((d.key.line, d.key.column, d.value.line, d.value.column) == (4, 3, 4, 6))
        #expect(document.resolvedTag == YAMLTag.map)
    }

    @Test func anAliasStandsForItsAnchoredNode() throws {
        let document = try root("base: &b {run: x}\nother: *b\nlist: [&n one, *n]\n")
        let entries = try #require(document.mapping?.entries)
        #expect(entries[1].value.mapping?.entries.first?.value.string == "x")
        #expect(entries[2].value.sequence?.map(\.string) == ["one", "one"])
    }

    @Test func aliasesThatRepeatTooMuchAreRefused() throws {
        // Nine levels of ten aliases each: 10^9 values from a 300-byte text.
        var laughs = "l0: &l0 [" + Array(repeating: "x", count: 10).joined(separator: ", ") + "]\n"
        for level in 1...9 {
            laughs +=
                "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        let nested = try #require(problem(laughs))
        guard case .syntax(let words) = nested.kind else {
            Issue.record("\(nested)")
            return
        }
        #expect(words.hasPrefix("aliases would repeat") && words.contains("billion laughs"), "\(words)")
        #expect(nested.line >= 6)

        // One big anchored list repeated: under the allowance of a million
        // values it is composed, past it (and past 50 times the file) refused.
        let list = "big: &big [" + Array(repeating: "v", count: 999).joined(separator: ", ") + "]\n"
        func repeated(_ times: Int) -> String {
            list + "uses: [" + Array(repeating: "*big", count: times).joined(separator: ", ") + "]\n"
        }
        let under = try root(repeated(900))
        #expect(under.mapping?.entries.last?.value.sequence?.count == 900)
        let over = try #require(problem(repeated(1100)))
        #expect(over.line == 2)
    }

    @Test func anEmptyTextHasNoDocument() throws {
        #expect(try YAMLComposer.compose("") == nil)
        #expect(try YAMLComposer.compose("# only a comment\n") == nil)
    }

    @Test func duplicateKeysAreNamedSortedAtTheFirstUse() throws {
        let two = try #require(problem("b: 1\na: 2\nb: 3\na: 4\n"))
        #expect(two.kind == .duplicateKeys(["a", "b"]) && two.line == 2 && two.column == 1)
        // A big mapping (checked with a set) and a nested small one.
        let many = (0..<50).map { "k\($0): v" }.joined(separator: "\n") + "\nk7: again\n"
        let big = try #require(problem(many))
        #expect(big.kind == .duplicateKeys(["k7"]) && big.line == 8 && big.column == 1)
        let nested = try #require(problem("top:\n  inner: {x: 1, x: 2}\n"))
        #expect(nested.kind == .duplicateKeys(["x"]) && nested.line == 2)
        // Neither quoting nor a tag makes a key different: dagron's readers
        // look keys up by their text, so the second would replace the first.
        #expect(problem("a: 1\n'a': 2\n")?.kind == .duplicateKeys(["a"]))
        #expect(problem("1: a\n!!int 1: b\n")?.kind == .duplicateKeys(["1"]))
        #expect(problem("run: a\n!t run: b\n")?.kind == .duplicateKeys(["run"]))
    }

    @Test func syntaxErrorsAreLibyamlsWordsAtTheirPosition() throws {
        let tab = try #require(problem("nodes:\n\ta: 1\n"))
        #expect(tab.kind == .syntax("found character that cannot start any token") && tab.line == 2)

        let alias = try #require(problem("a: 1\nb: *missing\n"))
        #expect(alias.kind == .syntax("found undefined alias") && alias.line == 2 && alias.column == 4)

        let second = try #require(problem("a: 1\n---\nb: 2\n"))
        #expect(second.kind == .syntax("expected a single document, but found another") && second.line == 2)

        let unclosed = try #require(problem("a: [1, 2\n"))
        #expect(unclosed.line >= 1)
    }

    @Test func aControlCharacterIsPlacedByLineAndColumn() throws {
        let control = try #require(problem("a: 1\nbé: x\u{01}\n"))
        #expect(control.kind == .syntax("control characters are not allowed"))
        #expect((control.line, control.column) == (2, 6))
    }

    @Test func nestingIsBoundedByLibyaml() throws {
        let depth = 100_000
        let deep = try #require(
            problem("a: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)))
        guard case .syntax(let words) = deep.kind else {
            Issue.record("\(deep)")
            return
        }
        #expect(words.lowercased().contains("nesting"))
    }
}
