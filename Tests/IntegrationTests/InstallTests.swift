import Foundation
import RefugeTestSupport
import Testing

@Suite("Install and uninstall")
struct InstallTests {
    @Test("beside an existing hook: both run, the old one's failure still stops git, uninstall gives it back")
    func chaining() throws {
        let box = try Sandbox()
        let server = box.path("server.git")
        try box.git("init", "-q", "--bare", server, in: box.root)
        try box.refuge("install", in: server)
        let clone = box.path("clone")
        try box.git("clone", "-q", server, clone, in: box.root)
        let hooks = "\(clone)/.git/hooks"
        let seen = box.path("seen")
        let original = "#!/bin/sh\necho \"args $*\" >> '\(seen)'\ncat >> '\(seen)'\nexit ${FAIL:-0}\n"
        try original.write(toFile: "\(hooks)/pre-push", atomically: true, encoding: .utf8)
        chmod("\(hooks)/pre-push", 0o755)
        let rtOriginal = "#!/bin/sh\necho \"rt $1\" >> '\(seen)'\ncat >/dev/null\n"
        try rtOriginal.write(toFile: "\(hooks)/reference-transaction", atomically: true, encoding: .utf8)
        chmod("\(hooks)/reference-transaction", 0o755)

        let install = try box.refuge("install", in: clone)
        #expect(install.succeeded)
        #expect(install.stdout.contains("runs the existing hook, kept as \(hooks)/refuge-chained/pre-push"))
        #expect(try box.refuge("install", in: clone).succeeded)  // again: harmless
        #expect(!FileManager.default.fileExists(atPath: "\(hooks)/refuge-chained/refuge-chained"))
        #expect(try String(contentsOfFile: "\(hooks)/refuge-chained/pre-push", encoding: .utf8) == original)

        let head = try box.commit("one", in: clone)
        try box.git("push", "-q", "origin", "main", in: clone)
        let log = try String(contentsOfFile: seen, encoding: .utf8)
        #expect(log.contains("args origin \(server)"))
        #expect(log.contains("refs/heads/main \(head) refs/heads/main \(String(repeating: "0", count: 40))"))
        #expect(log.contains("rt prepared") && log.contains("rt committed"))
        #expect(try box.events(in: clone, "--side", "client").count == 1)

        try box.commit("two", in: clone)
        let refused = try box.git("push", "-q", "origin", "main", in: clone, environment: ["FAIL": "1"], allowFailure: true)
        #expect(!refused.succeeded)
        #expect(try box.events(in: clone, "--side", "client").count == 1)  // a refused push is not recorded

        let uninstall = try box.refuge("uninstall", in: clone)
        #expect(uninstall.succeeded)
        #expect(try String(contentsOfFile: "\(hooks)/pre-push", encoding: .utf8) == original)
        #expect(try String(contentsOfFile: "\(hooks)/reference-transaction", encoding: .utf8) == rtOriginal)
        #expect(!FileManager.default.fileExists(atPath: "\(hooks)/refuge-chained"))
        #expect(try box.refuge("status", in: clone).status == 1)  // nothing installed
    }

    @Test("core.hooksPath is honoured")
    func hooksPath() throws {
        let box = try Sandbox()
        let clone = box.path("clone")
        try box.git("init", "-q", clone, in: box.root)
        try box.git("config", "core.hooksPath", "githooks", in: clone)
        try box.refuge("install", in: clone)
        #expect(FileManager.default.isExecutableFile(atPath: "\(clone)/githooks/pre-push"))
        #expect(FileManager.default.isExecutableFile(atPath: "\(clone)/githooks/reference-transaction"))
        let head = try box.commit("one", in: clone)
        #expect(try box.events(in: clone).map { $0.new } == [head])
    }

    @Test("a server gets post-receive and reflogs; uninstall removes only what install added")
    func serverConfig() throws {
        let box = try Sandbox()
        let server = box.path("server.git")
        try box.git("init", "-q", "--bare", server, in: box.root)
        let install = try box.refuge("install", in: server)
        #expect(install.stdout.contains("installed post-receive"))
        #expect(try box.git("config", "core.logAllRefUpdates", in: server).stdout == "always\n")
        let status = try box.refuge("status", "--json", in: server)
        #expect(status.status == 0)
        let json = try Output.decode(StatusOutput.self, from: status.stdout)
        let hooks = json.hooks
        #expect(hooks?.filter { $0.installed == true }.compactMap { $0.name }
            == ["post-receive", "reference-transaction"])
        // post-receive starts no git-refuge; reference-transaction starts one only after a fetch's forced
        // update of a remote-tracking ref (a mirror's), and status names it.
        #expect(hooks?.first { $0.name == "reference-transaction" }?.binary?.hasSuffix("/git-refuge") == true)
        #expect(hooks?.first { $0.name == "post-receive" }?.binary == nil)
        try box.refuge("uninstall", in: server)
        #expect(try box.git("config", "core.logAllRefUpdates", in: server, allowFailure: true).status == 1)
        // A value the admin set before install is left alone.
        try box.git("config", "core.logAllRefUpdates", "true", in: server)
        try box.refuge("install", in: server)
        try box.refuge("uninstall", in: server)
        #expect(try box.git("config", "core.logAllRefUpdates", in: server).stdout == "true\n")
    }

    @Test("the database is created 0600 in a 0700 directory, or group-shared when asked")
    func permissions() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        try box.commit("one", in: clones[0])
        try box.git("push", "-q", "origin", "main", in: clones[0])
        #expect(try box.events(in: server).count == 1)  // the first drain creates the database
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        }
        #expect(try mode("\(server)/refuge/audit.db") == 0o600)
        #expect(try mode("\(server)/refuge") == 0o700)
        let shared = box.path("shared/audit.db")
        try box.git("config", "refuge.database", shared, in: server)
        try box.git("config", "refuge.sharedDatabase", "true", in: server)
        try box.commit("two", in: clones[0])
        try box.git("push", "-q", "origin", "main", in: clones[0])
        #expect(try box.events(in: server).count == 1)  // the new database holds the new push only
        #expect(try mode(shared) == 0o660)
        #expect(try mode(box.path("shared")) == 0o2770)
    }
}
