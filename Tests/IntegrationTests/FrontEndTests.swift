import Foundation
import RefugeTestSupport
import Testing

/// Refuge behind the servers people run: plain ssh with several accounts, gitolite over ssh, and
/// `git http-backend` behind nginx and fcgiwrap. Each test starts the real programs on loopback, pushes
/// through them with the real git, and stops them at its end.
@Suite("Real Git server front ends", .serialized)
struct FrontEndTests {
    static let group = "refuge-t-git"
    static let noSSH = FrontEnds.unavailable(FrontEnds.sshd)
    static let noGitolite = FrontEnds.unavailable(FrontEnds.sshd, FrontEnds.gitolite)
    static let noHTTP = FrontEnds.unavailable(FrontEnds.nginx, FrontEnds.fcgiwrap, FrontEnds.httpBackend)

    /// A bare repository the group may push to, under `root`.
    static func sharedRepository(_ box: Sandbox, root: String) throws -> String {
        let repository = "\(root)/app.git"
        try box.git("init", "--bare", "-q", "--shared=group", repository, in: box.root)
        try box.git("config", "receive.denyNonFastforwards", "false", in: repository)  // --shared turns it on
        try FrontEnds.system(["chgrp", "-R", group, repository])
        return repository
    }

    /// `git refuge log --json` as `account`, decoded.
    static func events(as account: UnixAccount, in repository: String, _ box: Sandbox) throws -> [LoggedEvent] {
        try Output.decode([LoggedEvent].self, from: account.run(["git-refuge", "log", "--json"], in: repository, binDirectory: box.binDirectory))
    }

    @Test("plain ssh: two accounts push to one group-shared repository; the pusher is the account, the address is recorded",
          .disabled(if: noSSH != nil, Comment(rawValue: noSSH ?? "")))
    func plainSSH() throws {
        let box = try Sandbox()
        let alice = try UnixAccount.ensure("refuge-t-alice", groups: [Self.group])
        let bob = try UnixAccount.ensure("refuge-t-bob", groups: [Self.group])
        let eve = try UnixAccount.ensure("refuge-t-eve")
        let ssh = try SSHServer(directory: box.path("sshd"))
        let root = box.path("srv")
        let repository = try Self.sharedRepository(box, root: root)
        for account in [alice, bob, eve] {
            try account.authorize(try ssh.clientKey(named: account.name).key + ".pub")
            // libgit2, like git, reads another account's repository only where safe.directory lists it.
            try "[safe]\n\tdirectory = \(repository)\n".write(toFile: "\(account.home)/.gitconfig", atomically: true, encoding: .utf8)
        }
        let install = try box.refuge("install", "--server", "--repositories", root, "--group", Self.group, in: box.root)
        #expect(install.succeeded, "\(install.stderr)")
        let url = { (account: UnixAccount) in "ssh://\(account.name)@127.0.0.1\(repository)" }
        let environment = { (account: UnixAccount) in ["GIT_SSH_COMMAND": try ssh.clientKey(named: account.name).command] }

        let aliceClone = box.path("alice"), bobClone = box.path("bob")
        try box.git("clone", "-q", url(alice), aliceClone, in: box.root, environment: try environment(alice))
        try box.commit("base", in: aliceClone)
        try box.git("push", "-q", "origin", "main", in: aliceClone, environment: try environment(alice))
        try box.git("clone", "-q", url(bob), bobClone, in: box.root, environment: try environment(bob))
        let fix = try box.commit("bob's fix", in: bobClone)
        try box.git("push", "-q", "origin", "main", in: bobClone, environment: try environment(bob))
        try box.commit("alice's rewrite", in: aliceClone)
        try box.git("push", "-q", "--force", "origin", "main", in: aliceClone, environment: try environment(alice))

        // Bob, an account of the group, drains and reads the shared log first: it is created for the group.
        let events = try Self.events(as: bob, in: repository, box)
        #expect(events.map { $0.pusher } == [alice.name, bob.name, alice.name])
        #expect(events.map { $0.kind } == ["create", "fast-forward", "forced"])
        #expect(events.map { $0.address } == ["127.0.0.1", "127.0.0.1", "127.0.0.1"])
        #expect(events.last?.dropped == 1)
        let database = "\(root)/.refuge/audit.db"
        var info = stat()
        #expect(stat(database, &info) == 0 && info.st_mode & 0o777 == 0o660 && info.st_gid == getgrnam(Self.group)!.pointee.gr_gid)
        // Alice's account reads the same rows; root too.
        #expect(try Self.events(as: alice, in: repository, box).map { $0.id } == events.map { $0.id })
        #expect(try box.events(in: repository).map { $0.new } == events.map { $0.new })
        #expect(try box.pins(in: repository) == ["refs/refuge/kept/\(fix)"])
        let shown = try box.refuge("show", String(events.last?.id ?? 0), in: repository)
        #expect(shown.stdout.contains("\n  address      127.0.0.1\n"), "\(shown.stdout)")

        // An account outside the group: one line naming the file and the account, not an empty log.
        do {
            try eve.run(["git-refuge", "log"], in: repository, binDirectory: box.binDirectory)
            Issue.record("an account outside the group read the log")
        } catch let failure as FrontEnds.Failed {
            #expect(failure.stderr.hasPrefix("error: cannot open the audit log \(database) as \(eve.name): "), "\(failure.stderr)")
            #expect(failure.stderr.split(separator: "\n").count == 1, "\(failure.stderr)")
        }
    }

    @Test("gitolite over ssh: pusher from GL_USER, RW+ and refuge.protect together, recover on the server, setup --hooks-only keeps Refuge",
          .disabled(if: noGitolite != nil, Comment(rawValue: noGitolite ?? "")))
    func gitolite() throws {
        let box = try Sandbox()
        let gl = try UnixAccount.ensure("refuge-t-gl")
        // A fresh gitolite each run: its home emptied, then `gitolite setup` with the admin's key.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: gl.home)) ?? [] {
            try FileManager.default.removeItem(atPath: "\(gl.home)/\(entry)")
        }
        let ssh = try SSHServer(directory: box.path("sshd"))
        let keys = try ["admin", "alice", "bob"].map { try ssh.clientKey(named: $0) }
        let bin = box.binDirectory
        try gl.run(["gitolite", "setup", "-pk", keys[0].key + ".pub"], in: gl.home, binDirectory: bin)
        let rc = "\(gl.home)/.gitolite.rc"
        let text = try String(contentsOfFile: rc, encoding: .utf8)
        try text.replacingOccurrences(of: "# LOCAL_CODE                =>  \"$ENV{HOME}/local\",",
                                      with: "LOCAL_CODE                =>  \"$ENV{HOME}/local\",")
            .write(toFile: rc, atomically: true, encoding: .utf8)
        let environment = { (index: Int) in ["GIT_SSH_COMMAND": keys[index].command] }
        let base = "ssh://\(gl.name)@127.0.0.1"

        // The admin adds alice (RW+) and bob (RW) through gitolite-admin, as gitolite is administered.
        let admin = box.path("gitolite-admin")
        try box.git("clone", "-q", "\(base)/gitolite-admin", admin, in: box.root, environment: environment(0))
        try """
            repo gitolite-admin
                RW+     =   admin
            repo app
                RW+     =   alice
                RW      =   bob
            """.write(toFile: "\(admin)/conf/gitolite.conf", atomically: true, encoding: .utf8)
        for (index, name) in [(1, "alice"), (2, "bob")] {
            try FileManager.default.copyItem(atPath: keys[index].key + ".pub", toPath: "\(admin)/keydir/\(name).pub")
        }
        try box.git("add", "-A", in: admin)
        try box.git("commit", "-q", "-m", "alice and bob", in: admin)
        try box.git("push", "-q", "origin", "HEAD", in: admin, environment: environment(0))
        let repositories = "\(gl.home)/repositories"
        let app = "\(repositories)/app.git"
        try gl.run(["git", "config", "--add", "refuge.protect", "refs/heads/release"], in: app, binDirectory: bin)

        let install = try gl.run(["git-refuge", "install", "--server", "--repositories", repositories], in: gl.home, binDirectory: bin)
        #expect(install.contains("installed \(app): gitolite, pre-receive, post-receive, reference-transaction"), "\(install)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(app)/hooks/post-receive")) == "\(gl.home)/local/hooks/common/post-receive")

        let alice = box.path("alice"), bob = box.path("bob")
        try box.git("clone", "-q", "\(base)/app", alice, in: box.root, environment: environment(1))
        try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", "main:release", in: alice, environment: environment(1))
        try box.git("clone", "-q", "\(base)/app", bob, in: box.root, environment: environment(2))
        let fix = try box.commit("bob's fix", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob, environment: environment(2))
        let rewrite = try box.commit("alice's rewrite", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice, environment: environment(1))
        // gitolite's RW+ lets alice force release; Refuge's refuge.protect refuses it, and says why.
        let rework = try box.git("commit-tree", "-m", "release rework", "HEAD^{tree}", in: alice).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)  // a root commit: not a descendant of release
        let refused = try box.git("push", "-q", "--force", "origin", "\(rework):refs/heads/release", in: alice, environment: environment(1),
                                  allowFailure: true)
        #expect(!refused.succeeded && refused.stderr.contains("refs/heads/release"), "\(refused.stderr)")
        // gitolite's own rule: bob has no + and cannot force.
        try box.git("commit", "-q", "--amend", "-m", "bob rewrites", in: bob)
        let denied = try box.git("push", "-q", "--force", "origin", "main", in: bob, environment: environment(2), allowFailure: true)
        #expect(!denied.succeeded && denied.stderr.contains("DENIED"), "\(denied.stderr)")

        var events = try Self.events(as: gl, in: app, box)
        let main = events.filter { $0.ref == "refs/heads/main" }
        #expect(main.map { $0.pusher } == ["alice", "bob", "alice"])
        #expect(main.map { $0.kind } == ["create", "fast-forward", "forced"])
        #expect(main.last?.new == rewrite && main.last?.dropped == 1)
        #expect(events.allSatisfy { $0.address == "127.0.0.1" })
        let release = events.filter { $0.ref == "refs/heads/release" }
        #expect(release.map { $0.status } == ["accepted", "rejected"] && release.last?.pusher == "alice")

        // The server's administrator brings bob's commit back.
        let recover = try gl.run(["git-refuge", "recover", "main"], in: app, binDirectory: bin)
        #expect(recover.contains(String(fix.prefix(7))), "\(recover)")
        #expect(try gl.run(["git", "rev-parse", "main"], in: app, binDirectory: bin).hasPrefix(fix))

        // gitolite re-links its hooks: Refuge's are still there, and still record.
        try gl.run(["gitolite", "setup", "--hooks-only"], in: gl.home, binDirectory: bin)
        #expect(try String(contentsOfFile: "\(app)/hooks/post-receive", encoding: .utf8).contains("refuge-hook: post-receive"))
        try box.git("fetch", "-q", "origin", in: bob, environment: environment(2))
        try box.git("reset", "-q", "--hard", "origin/main", in: bob)
        let after = try box.commit("after gitolite setup", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob, environment: environment(2))
        events = try Self.events(as: gl, in: app, box)
        #expect(events.last?.new == after && events.last?.pusher == "bob" && events.last?.side == "server")
        let status = try gl.run(["git-refuge", "status", "--repositories", repositories], in: gl.home, binDirectory: bin)
        #expect(status.contains("\(app): covered (gitolite)"), "\(status)")

        // Uninstalled from every repository: the shared shims go, and no repository keeps a dangling link.
        let uninstall = try gl.run(["git-refuge", "uninstall", "--repositories", repositories], in: gl.home, binDirectory: bin)
        #expect(uninstall.contains("removed from \(app): post-receive, reference-transaction, pre-receive (kept 2 pin(s))"), "\(uninstall)")
        // gitolite's setup linked the shared pre-receive into its other repositories too: it goes as well.
        #expect(uninstall.contains("removed from \(repositories)/gitolite-admin.git: post-receive, reference-transaction, pre-receive\n"),
                "\(uninstall)")
        for repository in [app, "\(repositories)/gitolite-admin.git"] {
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(repository)/hooks/post-receive")) == nil)
        }
        #expect(!FileManager.default.fileExists(atPath: "\(gl.home)/local/hooks/common/post-receive"))
    }

    @Test("git http-backend behind nginx and fcgiwrap: the pusher from REMOTE_USER, hooks as www-data into the shared log, no credential stored",
          .disabled(if: noHTTP != nil, Comment(rawValue: noHTTP ?? "")))
    func httpBackend() throws {
        let box = try Sandbox()
        _ = try UnixAccount.ensure("refuge-t-alice", groups: [Self.group])  // the group exists
        try FrontEnds.system(["usermod", "-a", "-G", Self.group, "www-data"])
        let root = box.path("srv")
        let repository = try Self.sharedRepository(box, root: root)
        try box.git("config", "--add", "refuge.protect", "refs/heads/release", in: repository)
        let install = try box.refuge("install", "--server", "--repositories", root, "--group", Self.group, in: box.root)
        #expect(install.succeeded, "\(install.stderr)")
        let http = try HTTPGitServer(directory: box.path("http"), projectRoot: root,
                                     users: ["alice": "alice-secret", "bob": "bob-secret"])
        let url = { (user: String) in "http://\(user):\(user)-secret@127.0.0.1:\(http.port)/app.git" }

        let alice = box.path("alice"), bob = box.path("bob")
        try box.git("clone", "-q", url("alice"), alice, in: box.root)
        try box.refuge("install", in: alice)
        try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", "main:release", in: alice)
        try box.git("clone", "-q", url("bob"), bob, in: box.root)
        let fix = try box.commit("bob's fix", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        try box.commit("alice's rewrite", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let rework = try box.git("commit-tree", "-m", "release rework", "HEAD^{tree}", in: alice).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = try box.git("push", "-q", "--force", "origin", "\(rework):refs/heads/release", in: alice, allowFailure: true)
        #expect(!refused.succeeded && refused.stderr.contains("refs/heads/release"), "\(refused.stderr)")
        let unauthenticated = try box.git("push", "-q", "http://127.0.0.1:\(http.port)/app.git", "main", in: alice, allowFailure: true)
        #expect(!unauthenticated.succeeded)

        let events = try box.events(in: repository)
        let main = events.filter { $0.ref == "refs/heads/main" }
        #expect(main.map { $0.pusher } == ["alice", "bob", "alice"])
        #expect(main.map { $0.kind } == ["create", "fast-forward", "forced"])
        #expect(events.allSatisfy { $0.address == "127.0.0.1" })
        #expect(events.filter { $0.status == "rejected" }.map { $0.pusher } == ["alice"])
        // The hooks ran as the web server's account: the pin of bob's dropped commit is www-data's.
        var info = stat()
        #expect(stat("\(repository)/refs/refuge/kept/\(fix)", &info) == 0 && info.st_uid == getpwnam("www-data")!.pointee.pw_uid)
        // No credential anywhere in either log.
        for file in ["\(root)/.refuge/audit.db", "\(alice)/.git/refuge/audit.db"] {
            for suffix in ["", "-wal"] {
                let data = FileManager.default.contents(atPath: file + suffix) ?? Data()
                #expect(data.range(of: Data("secret".utf8)) == nil, "\(file)\(suffix)")
            }
        }
        let pushed = try box.events(in: alice, "--side", "client")
        #expect(pushed.first?.url == "http://127.0.0.1:\(http.port)/app.git")
    }
}
