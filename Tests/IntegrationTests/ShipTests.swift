import Foundation
import RefugeTestSupport
import Testing

/// Shipping audit logs into one central PostgreSQL (a real PostgreSQL 15 server per test, on a unix
/// socket): exactly once, verified as it grows, refusing what does not chain, one clear line on failure.
@Suite("Shipping to the central store")
struct ShipTests {

    /// A second bare server with Refuge, and a clone of it named `clone`.
    func secondServer(_ box: Sandbox, clone name: String) throws -> (server: String, clone: String) {
        let server = box.path("second.git")
        try box.git("init", "--bare", "-q", server, in: box.root)
        try box.refuge("install", in: server)
        let clone = box.path(name)
        try box.git("clone", "-q", server, clone, in: box.root)
        try box.refuge("install", in: clone)
        return (server, clone)
    }

    /// The central rows of one source, as `id ref old new kind pusher hash` lines in id order.
    func centralRows(_ postgres: PostgresServer, _ database: String, source: String) throws -> [String] {
        try postgres.psql("""
            SELECT seq || ' ' || ref || ' ' || coalesce(encode(old, 'hex'), old_text, '-') || ' ' || coalesce(encode(new, 'hex'), new_text, '-')
                || ' ' || kind || ' ' || coalesce(pusher, '-') || ' ' || encode(hash, 'hex')
            FROM event WHERE source_key = (SELECT key FROM source WHERE id = '\(source)') ORDER BY seq
            """, database: database).split(separator: "\n").map(String.init)
    }

    /// The same lines from the local log (its hashes through verify's head for the last row).
    func localRows(_ box: Sandbox, _ repository: String) throws -> [String] {
        try box.events(in: repository, "--all-repositories").map {
            "\($0.id ?? 0) \($0.ref ?? "") \($0.old ?? "-") \($0.new ?? "-") \($0.kind ?? "") \($0.pusher ?? "-")"
        }
    }

    @Test("two servers ship into one store: the central rows are the local rows, each once; again ships nothing; new pushes ship alone")
    func shipTwoServers() throws {
        let box = try Sandbox()
        let postgres = try PostgresServer()
        let central = try postgres.createDatabase("fleet")
        let (server, alice) = try box.pushedClone()
        #expect(try box.refuge("central", "init", "--to", central, in: server).stdout
            == "applied v1: sources and events\napplied v2: the chain's values, roles and retention\napplied v3: the pusher's address\napplied v4: covering indexes of the rewrites\n"
            + "applied v5: no foreign key from events to sources\napplied v6: narrower events\napplied v7: no index by repository identity\napplied v8: repository identities as uuid\n"
            + "applied v9: daily counts and dropped commits by the source's key\n")
        #expect(try box.refuge("central", "init", "--to", central, in: server).stdout == "the central store is up to date\n")
        try box.commit("second", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        try box.commit("rewrite", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice, environment: ["REMOTE_USER": "alice"])
        let (second, bob) = try secondServer(box, clone: "bob")
        try box.commit("bob's work", in: bob)
        let weird = "refs/heads/ünï';DROP-TABLE-event;--\"x"
        try box.git("push", "-q", "origin", "main", "HEAD:\(weird)", in: bob)

        var sources: [String] = []
        for repository in [server, second] {
            let local = try localRows(box, repository)
            let (result, shipped) = try box.ship(repository, to: central)
            #expect(result.succeeded, "\(result.stderr)")
            #expect(shipped?.shipped == local.count && shipped?.lastSeq == local.count)
            let source = try #require(shipped?.source)
            sources.append(source)
            let rows = try centralRows(postgres, "fleet", source: source)
            #expect(rows.map { $0.split(separator: " ").dropLast().joined(separator: " ") } == local, "\(repository)")
            // The central chain ends where the local one does: verify prints the local head.
            let head = try box.json(VerifyOutput.self, ["verify", "--json"], in: repository).1?.head
            #expect(rows.last?.split(separator: " ").last.map(String.init) == head && shipped?.lastHash == head)
        }
        #expect(Set(sources).count == 2)
        #expect(try postgres.psql("SELECT ref FROM event WHERE ref LIKE 'refs/heads/ün%'", database: "fleet") == weird)
        #expect(try postgres.psql("SELECT count(*) FROM event WHERE kind = 'forced'", database: "fleet") == "1")

        // The fleet's log: every source's events with the local log's keys, plus source and host.
        struct CentralLine: Decodable { let id: Int?; let ref, old, new, kind, status, repository, source, host: String? }
        let fleet = try box.run(box.refugeBinary, ["log", "--central", "--store", central, "--json"], in: box.root)
        #expect(fleet.succeeded, "\(fleet.stderr)")
        let lines = Output.array(CentralLine.self, from: fleet.stdout)
        func key(_ source: String?, _ id: Int?, _ ref: String?, _ old: String?, _ new: String?, _ kind: String?, _ status: String?) -> String {
            "\(source ?? "") \(id ?? 0) \(ref ?? "") \(old ?? "-") \(new ?? "-") \(kind ?? "") \(status ?? "")"
        }
        var expected: Set<String> = []
        for (repository, source) in zip([server, second], sources) {
            for event in try box.events(in: repository) {
                expected.insert(key(source, event.id, event.ref, event.old, event.new, event.kind, event.status))
            }
        }
        #expect(Set(lines.map { key($0.source, $0.id, $0.ref, $0.old, $0.new, $0.kind, $0.status) }) == expected && lines.count == expected.count)
        #expect(lines.allSatisfy { $0.host == ProcessInfo.processInfo.hostName && $0.repository?.hasSuffix(".git") == true })
        let forced = Output.array(CentralLine.self, from: try box.refuge("log", "--central", "--store", central, "--forced", "--json", in: box.root).stdout)
        #expect(forced.map(\.kind) == ["forced"] && forced.first?.source == sources[0] && forced.first?.ref == "refs/heads/main")
        let byRef = try box.refuge("log", "--central", "--store", central, "--ref", weird, in: box.root)
        #expect(byRef.stdout.split(separator: "\n").count == 1 && byRef.stdout.contains("on \(ProcessInfo.processInfo.hostName)"))

        // Again: nothing twice. A new push: it alone.
        #expect(try box.ship(server, to: central).1?.shipped == 0)
        let before = try box.events(in: server).count
        try box.commit("third", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        let after = try box.events(in: server).count
        let (_, again) = try box.ship(server, to: central)
        #expect(again?.shipped == after - before && again?.lastSeq == after)
        #expect(try centralRows(postgres, "fleet", source: sources[0]).count == after)
        // A batch sent again (an administrator moved the mark back): the direct COPY meets the rows already
        // there, and the batch is stored the idempotent way: nothing stored twice, nothing counted twice.
        let counted = try postgres.psql("SELECT sum(count) FROM event_day WHERE source_key = (SELECT key FROM source WHERE id = '\(sources[0])')", database: "fleet")
        #expect(counted == String(after))
        let firstHash = try postgres.psql("SELECT encode(hash, 'hex') FROM event WHERE source_key = (SELECT key FROM source WHERE id = '\(sources[0])') AND seq = 1", database: "fleet")
        try postgres.psql("UPDATE source SET last_seq = 1, last_hash = '\(firstHash)' WHERE id = '\(sources[0])'", database: "fleet")
        let (resent, resentOutput) = try box.ship(server, to: central)
        #expect(resent.succeeded, "\(resent.stderr)")
        #expect(resentOutput?.shipped == after - 1 && resentOutput?.lastSeq == after)
        #expect(try centralRows(postgres, "fleet", source: sources[0]).count == after)
        #expect(try postgres.psql("SELECT sum(count) FROM event_day WHERE source_key = (SELECT key FROM source WHERE id = '\(sources[0])')", database: "fleet") == counted)
        // refuge.central is the default destination.
        try box.git("config", "refuge.central", central, in: server)
        #expect(try box.refuge("ship", in: server).stdout.hasPrefix("shipped 0 event(s) of source \(sources[0])"))
        // The ships of a registered source took no value of the sources' key: one value a source.
        #expect(try postgres.psql("SELECT last_value FROM pg_sequences WHERE sequencename = 'source_key_seq'", database: "fleet")
            == String(sources.count))
    }

    @Test("a batch with a daily count per event: 8,300 days in one batch, counted in statements within PostgreSQL's parameter limit")
    func batchOfManyDays() throws {
        let box = try Sandbox()
        let postgres = try PostgresServer()
        let central = try postgres.createDatabase("fleet")
        let repository = box.path("days")
        try box.git("init", "-q", repository, in: box.root)
        try box.refuge("install", in: repository)
        var ids: [String] = []
        for name in ["one", "two"] {
            try box.commit(name, in: repository)
            ids.append(try box.git("rev-parse", "HEAD", in: repository).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        // A reflog of one move a day for 8,300 days (back to 2003): 8,300 groups of the daily counts, whose
        // 8 parameters each would pass PostgreSQL's 65,535 in one statement.
        let days = 8_300, lastDay = 1_767_225_600
        var lines: [String] = [], current = ids[0]
        for day in 0..<days {
            let following = current == ids[0] ? ids[1] : ids[0]
            lines.append("\(current) \(following) B <b@example.com> \(lastDay - 86_400 * (days - day)) +0000\treset: moving")
            current = following
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: "\(repository)/.git/logs/refs/heads/many", atomically: true, encoding: .utf8)
        try (current + "\n").write(toFile: "\(repository)/.git/refs/heads/many", atomically: true, encoding: .utf8)
        #expect(try box.refuge("backfill", in: repository).succeeded)
        try box.refuge("central", "init", "--to", central, in: repository)
        let local = try box.events(in: repository).count
        let (result, shipped) = try box.ship(repository, to: central, "--batch", "10000")
        #expect(result.succeeded, "\(result.stderr)")
        #expect(shipped?.shipped == local && shipped?.batches == 1)
        let source = try #require(shipped?.source)
        #expect(try postgres.psql("SELECT sum(count) FROM event_day WHERE source_key = (SELECT key FROM source WHERE id = '\(source)')", database: "fleet") == String(local))
        #expect(try Int(postgres.psql("SELECT count(*) FROM event_day WHERE source_key = (SELECT key FROM source WHERE id = '\(source)')", database: "fleet")) ?? 0 >= days)
        #expect(try postgres.psql("SELECT count(*) FROM event WHERE source_key = (SELECT key FROM source WHERE id = '\(source)')", database: "fleet") == String(local))
    }

    @Test("refused with one clear line: a rewritten log, a copy, a busy source, an unreachable or empty store; never a password")
    func refusals() throws {
        let box = try Sandbox()
        let postgres = try PostgresServer()
        let central = try postgres.createDatabase("fleet")
        let (server, alice) = try box.pushedClone()
        try box.refuge("central", "init", "--to", central, in: server)
        let (first, shipped) = try box.ship(server, to: central)
        #expect(first.succeeded && shipped?.shipped == 1)
        let source = try #require(shipped?.source)

        // Unreachable, missing database, no schema: one line each, and the password never shown.
        let secret = "host=\(box.path("nowhere")) user=refuge password=s3cr3t dbname=fleet"
        let unreachable = try box.refuge("ship", "--to", secret, in: server)
        #expect(unreachable.status == 1 && unreachable.stderr.split(separator: "\n").count == 1)
        #expect(unreachable.stderr.hasPrefix("error: cannot reach the central store host=\(box.path("nowhere")) user=refuge password=*** dbname=fleet: "))
        #expect(!unreachable.stderr.contains("s3cr3t") && !unreachable.stdout.contains("s3cr3t"))
        let missing = try box.refuge("ship", "--to", postgres.conninfo("nosuch"), in: server)
        #expect(missing.status == 1 && missing.stderr.contains("database \"nosuch\" does not exist"))
        let empty = try postgres.createDatabase("empty")
        #expect(try box.refuge("ship", "--to", empty, in: server).stderr
            == "error: the central store has no Refuge schema yet: run git refuge central init\n")
        #expect(try box.refuge("ship", in: server).stderr
            == "error: no central store: give one with --to CONNINFO, or set it once with git config refuge.central CONNINFO\n")

        // Another shipper holds the source: "busy", nothing shipped twice; then it goes through.
        try box.commit("two", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        holder.arguments = ["-X", "-q", "-h", postgres.socketDirectory, "-U", "refuge", "-d", "fleet", "-c",
                            "BEGIN; SELECT 1 FROM source FOR UPDATE; SELECT pg_sleep(4); COMMIT;"]
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        var busy: Sandbox.Result?
        for _ in 0..<40 {
            usleep(100_000)
            let attempt = try box.refuge("ship", "--to", central, in: server)
            if !attempt.succeeded { busy = attempt; break }
        }
        holder.waitUntilExit()
        #expect(busy?.stderr == "error: another git refuge ship is shipping this log (source \(source)) right now; nothing was shipped twice, "
            + "try again when it is done\n")
        #expect(try box.ship(server, to: central).1?.shipped == 1)

        // A copy of the log from elsewhere: refused until it is a source of its own.
        try FileManager.default.copyItem(atPath: server, toPath: box.path("copy.git"))
        let copied = try box.refuge("ship", "--to", central, in: box.path("copy.git"))
        #expect(copied.status == 1 && copied.stderr.contains("a copy must ship as a source of its own (git refuge ship --new-source)"))
        let own = try box.ship(box.path("copy.git"), to: central, "--new-source").1
        #expect(own?.shipped == 2 && own?.source != source)

        // The last shipped row edited in the local log: the next ship names it and ships nothing.
        let last = try #require(try box.events(in: server).last?.id)
        let database = "\(server)/refuge/audit.db"
        let edited = try box.run("python3", ["-c", "import sqlite3; c = sqlite3.connect('\(database)'); "
            + "c.execute(\"UPDATE event SET pusher = 'mallory' WHERE id = \(last)\"); c.commit()"])
        #expect(edited.succeeded, "\(edited.stderr)")
        try box.commit("three", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        let refused = try box.refuge("ship", "--to", central, in: server)
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: event #\(last) does not chain to what the central store holds: its content here is not what "
            + "was shipped (the row was edited); nothing shipped. git refuge verify says what changed in the local log\n")
        #expect(try postgres.psql("SELECT last_seq FROM source WHERE id = '\(source)'", database: "fleet") == "\(last)")
    }
}
