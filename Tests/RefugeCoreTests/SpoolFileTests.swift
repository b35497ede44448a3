import Foundation
import GitKit
import RefugeTestSupport
import Testing
@testable import RefugeCore

/// How the drain reads what the reference-transaction shim wrote; the inputs are what git 2.39 hands
/// the hook for each command (recorded with a logging hook).
@Suite("Reading the transaction spool")
struct SpoolFileTests {
    let a = Fixtures.a, b = Fixtures.b, zero = Fixtures.zero

    func updates(_ text: String) -> [SpooledUpdate] { HookRecords(text: text).updates() }

    @Test("a commit through HEAD: the duplicate HEAD line is dropped")
    func commitThroughHead() {
        let result = updates("C 1.00\n\(a) \(b) HEAD\n\(a) \(b) refs/heads/main\n.\n")
        #expect(result.map(\.update.ref) == ["refs/heads/main"])
        #expect(result.first?.update.old?.hex == a && result.first?.update.new?.hex == b)
    }

    @Test("a detached HEAD move is kept")
    func detachedHead() {
        #expect(updates("C 1.00\n\(a) \(b) HEAD\n.\n").map(\.update.ref) == ["HEAD"])
    }

    @Test("branch -f: the old value read in prepared replaces git's zero")
    func forcedBranch() {
        let result = updates("P 1.00\n\(a) refs/heads/x\n.\nC 1.01\n\(zero) \(b) refs/heads/x\n.\n")
        #expect(result.count == 1)
        #expect(result[0].update.old?.hex == a)
        #expect(!result[0].oldNeedsResolution)
    }

    @Test("branch -D: the value read in prepared becomes the deletion's old; the packed sub-transaction adds nothing")
    func branchDelete() {
        let text = "P 1.00\n\(a) refs/heads/x\n.\nC 1.01\n\(zero) \(zero) refs/heads/x\n.\nC 1.02\n\(zero) \(zero) refs/heads/x\n.\n"
        let result = updates(text)
        #expect(result.count == 1)
        #expect(result[0].update == RefUpdate(ref: "refs/heads/x", old: ObjectID(hex: a), new: nil))
    }

    @Test("pack-refs: writing every ref's own value, then removing the loose copies, is not an update")
    func packRefs() {
        let text = "P 1.00\n\(a) refs/heads/main\n\(b) refs/heads/x\n.\nC 1.01\n\(zero) \(a) refs/heads/main\n\(zero) \(b) refs/heads/x\n.\n"
            + "C 1.02\n\(a) \(zero) refs/heads/main\n.\nC 1.03\n\(b) \(zero) refs/heads/x\n.\n"
        #expect(updates(text).isEmpty)
    }

    @Test("a creation whose old value could not be read is marked for the drain to resolve")
    func unresolved() {
        let result = updates("C 1.00\n\(zero) \(b) refs/tags/t1\n.\n")
        #expect(result.count == 1 && result[0].oldNeedsResolution)
    }

    @Test("pseudorefs (ORIG_HEAD) are not refs")
    func pseudorefs() {
        #expect(updates("C 1.00\n\(zero) \(b) ORIG_HEAD\n.\n").isEmpty)
    }

    @Test("an interrupted block keeps its complete lines and is reported; garbage lines are reported")
    func interrupted() {
        let file = HookRecords(text: "C 1.00\n\(a) \(b) refs/heads/x\n.\nC 2.00\nnonsense\n\(a) \(b) refs/heads/y\n")
        #expect(file.updates().map(\.update.ref) == ["refs/heads/x", "refs/heads/y"])
        #expect(file.problems.count == 2)  // the garbage line, and the interrupted block
        #expect(file.problems == ["line 5: expected <old> <new> <ref>, got \"nonsense\"",
                                  "the block at line 4 was interrupted; its complete lines are recorded"])
    }

    @Test("a hook killed mid-line: the cut line is dropped; a later block from the same git process still counts")
    func cutShort() {
        let text = "C 1.00\n\(a) \(b) refs/heads/x\n\(b) \(a) refs/he"
        let file = HookRecords(text: text)
        #expect(file.updates().map(\.update.ref) == ["refs/heads/x"])
        #expect(file.problems.contains { $0.contains("cut short") })
        // git went on after the killed hook: its next hook run appends a new block after the broken one.
        let later = HookRecords(text: "C 1.00\n\(a) \(b) refs/heads/x\nC 1.50\n\(b) \(a) refs/heads/x\n.\n")
        #expect(later.updates().map { $0.update.new?.hex } == [b, a])
        // An A block cut before its end keeps the updates it had written.
        let accepted = HookRecords(text: "A 3.00\n=env REMOTE_USER=alice\n\(zero) \(a) refs/heads/z\n")
        guard case .accepted(_, let input, let metadata)? = accepted.records.first else {
            Issue.record("no accepted block")
            return
        }
        #expect(input.lines == [RefUpdate(ref: "refs/heads/z", old: nil, new: ObjectID(hex: a))] && input.malformed.isEmpty)
        #expect(metadata.first("env") == "REMOTE_USER=alice")
    }

    @Test("a block renders as it parses: pre-receive's R block round-trips through SpoolFile")
    func blockRoundTrip() {
        var block = SpoolBlock(kind: .rejected, uptime: 12.5, lines: ["\(zero) \(a) refs/heads/z"])
        block.metadata.append("env", "GL_USER=alice")
        block.metadata.append("reason", "refs/heads/z is protected")
        let text = block.render()
        #expect(text == "R 12.50\n=env GL_USER=alice\n=reason refs/heads/z is protected\n\(zero) \(a) refs/heads/z\n.\n")
        let file = SpoolFile(text: text + text)
        #expect(file.blocks.count == 2 && file.problems.isEmpty && !file.lastBlockOpen)
        #expect(file.blocks.map { $0.render() } == [text, text])
        #expect(file.blocks[0].lines.map(\.number) == [4] && file.blocks[1].firstLine == 6)
    }

    @Test("each committed transaction is its own batch")
    func batches() {
        let result = updates("C 1.00\n\(a) \(b) refs/heads/x\n\(a) \(b) refs/heads/y\n.\nC 1.01\n\(b) \(a) refs/heads/x\n.\n")
        #expect(result.map(\.transaction) == [1, 1, 2])
    }
}

@Suite("Hook shims")
struct HookShimTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("the shims inside the binary are exactly Hooks/ (run Scripts/embed-hooks after editing Hooks/)",
          arguments: GitHook.allCases)
    func embedded(hook: GitHook) throws {
        let file = try String(contentsOfFile: "\(Self.packageRoot)/Hooks/\(hook.rawValue)", encoding: .utf8)
        #expect(HookScripts.text(for: hook) == file)
    }

    @Test("the binary path is written single-quoted, quotes escaped")
    func quoting() {
        let text = HookInstaller.shimText(.prePush, binaryPath: "/opt/it's here/git-refuge")
        #expect(text.contains(#"REFUGE_BIN=${REFUGE_BIN:-'/opt/it'\''s here/git-refuge'}"#))
    }
}
