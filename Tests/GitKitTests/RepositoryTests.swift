import Foundation
import GitKit
import RefugeTestSupport
import Testing

/// GitKit against repositories built by the real git.
@Suite("GitKit")
struct RepositoryTests {
    @Test func openKinds() throws {
        let scratch = try Sandbox()
        try scratch.gitOutput("init", "-q", "work")
        try scratch.gitOutput("init", "-q", "--bare", "bare.git")
        try scratch.gitOutput("commit", "-q", "--allow-empty", "-m", "one", in: "\(scratch.root)/work")
        try scratch.gitOutput("worktree", "add", "-q", "../linked", in: "\(scratch.root)/work")

        let work = try Repository.discover(from: "\(scratch.root)/work")
        #expect(!work.isBare && work.workingDirectory == "\(scratch.root)/work")
        #expect(work.commonDirectory == "\(scratch.root)/work/.git")
        let bare = try Repository.open(at: "\(scratch.root)/bare.git")
        #expect(bare.isBare && bare.workingDirectory == nil)
        let linked = try Repository.discover(from: "\(scratch.root)/linked")
        #expect(linked.commonDirectory == "\(scratch.root)/work/.git")
        #expect(linked.gitDirectory == "\(scratch.root)/work/.git/worktrees/linked")
    }

    @Test("a failure carries libgit2's message and what was being done")
    func errors() throws {
        let error = #expect(throws: GitError.self) { try Repository.open(at: "/nonexistent/refuge") }
        #expect(error?.description.hasPrefix("opening the git repository at /nonexistent/refuge: ") == true)
        #expect(error?.isNotFound == true)
    }

    @Test("a SHA-256 repository gets a clear one-line error")
    func sha256() throws {
        let scratch = try Sandbox()
        try scratch.gitOutput("init", "-q", "--object-format=sha256", "sha")
        let error = #expect(throws: GitError.self) { try Repository.open(at: "\(scratch.root)/sha") }
        #expect(error?.description.contains("SHA-256 repository, which Refuge cannot read yet") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test("ancestry, counts and commit summaries agree with git")
    func history() throws {
        let scratch = try Sandbox()
        try scratch.gitOutput("init", "-q", "r")
        let dir = "\(scratch.root)/r"
        for index in 1...5 { try scratch.gitOutput("commit", "-q", "--allow-empty", "-m", "c\(index)", in: dir) }
        try scratch.gitOutput("checkout", "-q", "-b", "side", "HEAD~3", in: dir)
        for index in 1...2 { try scratch.gitOutput("commit", "-q", "--allow-empty", "-m", "s\(index)", in: dir) }
        let repo = try Repository.discover(from: dir)
        let main = try #require(try repo.resolveReference("refs/heads/main"))
        let side = try #require(try repo.resolveReference("refs/heads/side"))
        let base = try #require(ObjectID(hex: try scratch.gitOutput("rev-parse", "main~3", in: dir)))
        #expect(try repo.isAncestor(base, of: main))
        #expect(try !repo.isAncestor(side, of: main))
        #expect(try repo.isAncestor(main, of: main))
        let expected = Int(try scratch.gitOutput("rev-list", "--count", "main", "^side", in: dir))
        #expect(try repo.countCommits(reachableFrom: [main], excluding: [side]) == expected)
        #expect(expected == 3)
        let commits = try repo.commits(reachableFrom: [side], excluding: [main])
        #expect(commits.map(\.summary) == ["s2", "s1"])
        #expect(commits.first?.authorEmail == "test@example.com")  // the sandbox's identity (its own HOME)
        #expect(try repo.resolveReference("refs/heads/nope") == nil)
        #expect(try repo.symbolicTarget(of: "HEAD") == "refs/heads/side")
    }

    @Test func reflogAndPeeling() throws {
        let scratch = try Sandbox()
        try scratch.gitOutput("init", "-q", "r")
        let dir = "\(scratch.root)/r"
        try scratch.gitOutput("commit", "-q", "--allow-empty", "-m", "one", in: dir)
        try scratch.gitOutput("commit", "-q", "--allow-empty", "-m", "two", in: dir)
        try scratch.gitOutput("tag", "-a", "-m", "t", "v1", in: dir)
        let repo = try Repository.discover(from: dir)
        let log = try repo.reflog(of: "refs/heads/main")
        #expect(log.count == 2)
        #expect(log[1].old == nil)  // the creation
        #expect(log[0].old == log[1].new)
        let tag = try #require(try repo.resolveReference("refs/tags/v1"))
        let commit = try repo.peelToCommit(tag)
        #expect(commit?.hex == (try scratch.gitOutput("rev-parse", "v1^{commit}", in: dir)))
        #expect(tag != commit)
        #expect(repo.contains(tag))
        #expect(!repo.contains(ObjectID(hex: String(repeating: "1", count: 40))!))
    }

    @Test("reflog moves read from the file agree with libgit2's reflog, HEAD, branches and a bad line included")
    func reflogMoves() throws {
        let scratch = try Sandbox()
        try scratch.gitOutput("init", "-q", "r")
        let dir = "\(scratch.root)/r"
        for index in 1...4 { try scratch.gitOutput("commit", "-q", "--allow-empty", "-m", "c\(index)", in: dir) }
        try scratch.gitOutput("reset", "-q", "--hard", "HEAD~2", in: dir)
        try scratch.gitOutput("checkout", "-q", "-b", "side", in: dir)
        try scratch.gitOutput("commit", "-q", "--allow-empty", "-m", "s1", in: dir)
        let repo = try Repository.discover(from: dir)
        for name in ["HEAD", "refs/heads/main", "refs/heads/side"] {
            let full = try repo.reflog(of: name)
            #expect(full.count >= 2, "\(name)")
            let moves = try repo.reflogMoves(of: name).map { "\($0.old?.hex ?? "-") \($0.new?.hex ?? "-") \($0.time)" }
            #expect(moves == full.map { "\($0.old?.hex ?? "-") \($0.new?.hex ?? "-") \($0.time)" }, "\(name)")
        }
        #expect(try repo.reflogMoves(of: "refs/heads/none").isEmpty)
        // A corrupt line is skipped; the others still count.
        let path = "\(dir)/.git/logs/refs/heads/main"
        let lines = try String(contentsOfFile: path, encoding: .utf8)
        try ("not a reflog line\n" + lines).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try repo.reflogMoves(of: "refs/heads/main").count == lines.split(separator: "\n").count)
    }

    @Test("the sandbox is hermetic: commits at fixed dates have the same ids in two sandboxes, whatever the machine's git config")
    func hermeticIds() throws {
        func history() throws -> [String] {
            let box = try Sandbox()
            try box.gitOutput("init", "-q", "r")
            let repo = box.path("r")
            var ids: [String] = []
            for n in 0..<3 { ids.append(try box.commit("c\(n)", in: repo, at: n)) }
            return ids + [try box.gitOutput("config", "user.email", in: repo)]
        }
        let first = try history(), second = try history()
        #expect(first == second && Set(first.dropLast()).count == 3)
        #expect(first.last == "test@example.com")
        // GitKit reads what git wrote: the fixed time, in UTC.
        let box = try Sandbox()
        try box.gitOutput("init", "-q", "r")
        let id = try box.commit("c0", in: box.path("r"), at: 0)
        #expect(id == first[0])
        let summary = try Repository.discover(from: box.path("r")).commits(reachableFrom: [ObjectID(hex: id)!], excluding: []).first
        #expect(summary?.authorTime == Date(timeIntervalSince1970: 1_767_225_600))
    }
}
