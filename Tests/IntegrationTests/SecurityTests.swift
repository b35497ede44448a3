import Foundation
import RefugeTestSupport
import Testing

/// Other accounts' files: install does not write into their hooks directory unless told; a repository
/// another account owns is refused as git refuses it (safe.directory), with the remedy.
@Suite("Security", .enabled(if: getuid() == 0, "needs root to give files to another account"))
struct SecurityTests {
    static let nobody: uid_t = 65_534

    @Test("install refuses a hooks directory another account owns; --force overrides")
    func foreignHooksDirectory() throws {
        let box = try Sandbox()
        let repo = box.path("repo")
        try box.git("init", "-q", repo, in: box.root)
        let hooks = "\(repo)/.git/hooks"
        #expect(chown(hooks, Self.nobody, Self.nobody) == 0)
        let refused = try box.refuge("install", in: repo)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(hooks) belongs to nobody, not to you"))
        #expect(refused.stderr.contains("--force"))
        #expect(!FileManager.default.fileExists(atPath: "\(hooks)/reference-transaction"))
        let forced = try box.refuge("install", "--force", in: repo)
        #expect(forced.succeeded, "\(forced.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(hooks)/reference-transaction"))
    }

    @Test("a repository owned by another account: one clear line with git's remedy; after it, it works")
    func foreignRepository() throws {
        let box = try Sandbox()
        let repo = box.path("theirs")
        try box.git("init", "-q", repo, in: box.root)
        let chowned = try box.run("chown", ["-R", "\(Self.nobody)", repo])
        #expect(chowned.succeeded)
        let refused = try box.refuge("status", in: repo)
        #expect(refused.status == 1)
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(refused.stderr.contains("\(repo) is owned by another user, and git's safe.directory does not list it"))
        #expect(refused.stderr.contains("git config --global --add safe.directory \(repo)"))
        try box.git("config", "--global", "--add", "safe.directory", repo, in: box.root)
        let trusted = try box.refuge("status", in: repo)
        // Trusted, it is read: status says why it is not healthy (nothing installed) in its one line.
        #expect(trusted.stderr == "error: hooks: Refuge is not installed here: nothing is recorded; git refuge install\n")
        #expect(trusted.stdout.hasPrefix("repository:  \(repo)/.git"))
    }

    @Test("database files are private by default: 0600 in a 0700 directory")
    func privateFiles() throws {
        let box = try Sandbox()
        let (server, _) = try box.serverWithClones()
        try box.refuge("drain", in: server)
        let database = "\(server)/refuge/audit.db"
        let mode = { (path: String) -> mode_t in
            var info = stat()
            stat(path, &info)
            return info.st_mode & 0o7777
        }
        #expect(mode(database) == 0o600)
        #expect(mode("\(server)/refuge") == 0o700)
        #expect(mode("\(server)/refuge/spool") == 0o700)
    }
}
