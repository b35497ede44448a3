import Foundation
import RefugeTestSupport
import Testing

/// The central store as a fleet uses it (a real PostgreSQL 15 server per test): its chains verified from
/// its own rows, logs anchored to it, roles that may only append, and shippers that die, collide or lose
/// the store half-way without losing or doubling an event.
@Suite("The central store")
struct CentralTests {

    func sqlite(_ box: Sandbox, _ database: String, _ sql: String) throws {
        let result = try box.run("python3", ["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()",
                                             database, sql])
        #expect(result.succeeded, "\(result.stderr)")
    }

    /// The central events of `source`: how many, and how many distinct ids (a duplicate would show).
    func centralCount(_ postgres: PostgresServer, source: String) throws -> (rows: Int, ids: Int) {
        let counts = try postgres.psql("SELECT count(*) || ' ' || count(DISTINCT seq) FROM event WHERE source_key = (SELECT key FROM source WHERE id = '\(source)')",
                                       database: "fleet").split(separator: " ").compactMap { Int($0) }
        return (counts[0], counts[1])
    }

    @Test("verify --central recomputes every source's chain and names a central edit or deletion; verify anchors the local log to it")
    func centralChains() throws {
        let box = try Sandbox()
        let postgres = try PostgresServer()
        let central = try postgres.createDatabase("fleet")
        let (server, alice) = try box.pushedClone()
        try box.commit("second", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        try box.commit("rewrite", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", "HEAD:refs/heads/ünï;'--", in: alice,
                    environment: ["REMOTE_USER": "alice"])
        let (second, bob) = try box.server(named: "second.git", clone: "bob")
        try box.commit("bob's work", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        try box.refuge("central", "init", "--to", central, in: server)
        let firstSource = try #require(try box.ship(server, to: central).1?.source)
        let secondSource = try #require(try box.ship(second, to: central).1?.source)
        let heads = try [server, second].map { try #require(box.json(VerifyOutput.self, ["verify", "--json"], in: $0).1) }

        // Every chain recomputed from the central rows ends at the head each local log has.
        let (intact, verified) = try box.json(CentralVerifyOutput.self, ["verify", "--central", "--store", central, "--json"], in: box.root)
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(verified?.intact == true && verified?.sources?.count == 2)
        for (source, head) in zip([firstSource, secondSource], heads) {
            let check = verified?.sources?.first { $0.source == source }
            #expect(check?.intact == true && check?.events == head.events && check?.lastSeq == head.events)
            #expect(check?.head == head.head && check?.lastHash == head.head && check?.firstBreak == nil)
        }
        #expect(try box.refuge("verify", "--central", "--store", central, in: box.root).stdout.hasSuffix("2 source(s), every chain intact\n"))
        let (_, status) = try box.json(CentralStatusOutput.self, ["status", "--central", "--store", central, "--json"], in: server)
        #expect(status?.sources?.map(\.verifiedSeq) == status?.sources?.map(\.lastSeq) && status?.sources?.count == 2)
        #expect(status?.sources?.allSatisfy { $0.chainProblem == nil && $0.lastShippedAt != nil && $0.shipper == "refuge" } == true)
        #expect(status?.local?.source == firstSource && status?.local?.unshipped == 0 && status?.local?.head == heads[0].events)

        // Anchored: with refuge.central set, verify proves the local log extends what the store holds.
        try box.git("config", "refuge.central", central, in: server)
        let anchored = try box.json(VerifyOutput.self, ["verify", "--json"], in: server).1
        #expect(anchored?.intact == true && anchored?.central?.extends == true && anchored?.central?.seq == heads[0].events)
        #expect(try box.refuge("verify", in: server).stdout.contains(
            "the log extends what the central store holds of it (up to event #\(heads[0].events ?? 0))"))
        // The newest local row deleted: the local chain alone still checks out, the anchor does not.
        let last = heads[0].events ?? 0
        try sqlite(box, "\(server)/refuge/audit.db", "DELETE FROM event WHERE id = \(last)")
        #expect(try box.json(VerifyOutput.self, ["verify", "--local-only", "--json"], in: server).1?.intact == true)
        let (cut, cutOutput) = try box.json(VerifyOutput.self, ["verify", "--json"], in: server)
        #expect(cut.status == 1 && cutOutput?.intact == false && cutOutput?.central?.extends == false)
        #expect(cutOutput?.central?.problem
            == "event #\(last), which the central store holds, is gone from this log (rows were deleted after they shipped)")
        let refused = try box.refuge("ship", in: server)
        #expect(refused.status == 1 && refused.stderr.hasPrefix("error: event #\(last) does not chain to what the central store holds"))

        // A central row edited, another deleted: each source's first break named.
        try postgres.psql("UPDATE event SET pusher = 'mallory' WHERE source_key = (SELECT key FROM source WHERE id = '\(secondSource)') AND seq = 1", database: "fleet")
        try postgres.psql("DELETE FROM event WHERE source_key = (SELECT key FROM source WHERE id = '\(firstSource)') AND seq = 2", database: "fleet")
        let (broken, brokenOutput) = try box.json(CentralVerifyOutput.self, ["verify", "--central", "--store", central, "--json"], in: box.root)
        #expect(broken.status == 1 && brokenOutput?.intact == false)
        let edited = brokenOutput?.sources?.first { $0.source == secondSource }
        #expect(edited?.firstBreak?.event == 1 && edited?.firstBreak?.problem == "its central row does not match its hash (edited in the central store)")
        let deleted = brokenOutput?.sources?.first { $0.source == firstSource }
        #expect(deleted?.firstBreak?.event == 2 && deleted?.firstBreak?.problem == "it is missing from the central store (deleted there)")
        let text = try box.refuge("verify", "--central", "--store", central, in: box.root)
        #expect(text.status == 1 && text.stdout.contains("(source \(secondSource)): chain broken at event #1: its central row does not match"))
        #expect(text.stdout.hasSuffix("2 of 2 source(s) broken\n"))
        let brokenStatus = try box.refuge("status", "--central", "--store", central, in: box.root)
        #expect(brokenStatus.status == 1 && brokenStatus.stdout.contains("chain:     broken at event #1: its central row does not match"))

        // The store unreachable: the local verify still answers, with one warning line.
        try box.git("config", "refuge.central", central, in: second)
        try postgres.stop()
        let offline = try box.refuge("verify", in: second)
        #expect(offline.status == 0 && offline.stdout.hasPrefix("chain intact"))
        #expect(offline.stderr.hasPrefix("warning: cannot reach the central store host=\(postgres.socketDirectory) user=refuge dbname=fleet: ")
            && offline.stderr.hasSuffix("; the log was not checked against the central store\n")
            && offline.stderr.split(separator: "\n").count == 1)
        try postgres.start()
    }

    @Test("roles: a shipping role appends and advances its own source only, a reading role reads; a wrong password is one line, never shown")
    func roles() throws {
        let box = try Sandbox()
        let postgres = try PostgresServer()
        let central = try postgres.createDatabase("fleet")
        let (server, alice) = try box.pushedClone()
        try box.commit("two", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        // A force push: the shipping role also sends what it dropped (through row-level security).
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        try box.commit("two again", in: alice, at: 5)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let (second, bob) = try box.server(named: "second.git", clone: "bob")
        try box.commit("bob's work", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        let secrets = ["pw-One-3141", "pw-Two-2718", "pw-Read-1618", "not-The-Password-99"]
        try postgres.createRole("git1", password: secrets[0])
        try postgres.createRole("git2", password: secrets[1])
        try postgres.createRole("auditor", password: secrets[2])
        try box.refuge("central", "init", "--to", central, in: server)
        var outputs: [Sandbox.Result] = []
        for (privileges, role) in [("ship", "git1"), ("ship", "git2"), ("read", "auditor")] {
            let granted = try box.refuge("central", "grant", privileges, role, "--to", central, in: server)
            #expect(granted.stdout == "granted \(privileges) to \(role)\n", "\(granted.stderr)")
        }
        func store(_ user: String, _ password: String) -> String { "host=\(postgres.socketDirectory) dbname=fleet user=\(user) password=\(password)" }

        let (first, shipped) = try box.ship(server, to: store("git1", secrets[0]))
        #expect(first.succeeded && shipped?.shipped == 3, "\(first.stderr)")
        #expect(try postgres.psql("SELECT count(*) FROM dropped_commit", database: "fleet") == "1")
        let (other, otherShipped) = try box.ship(second, to: store("git2", secrets[1]))
        #expect(other.succeeded && otherShipped?.shipped == 1, "\(other.stderr)")
        let firstSource = try #require(shipped?.source), secondSource = try #require(otherShipped?.source)
        outputs += [first, other]

        // A wrong password: one line, the connection string shown without it.
        let wrong = try box.refuge("ship", "--to", store("git1", secrets[3]), in: server)
        #expect(wrong.status == 1 && wrong.stderr.split(separator: "\n").count == 1)
        #expect(wrong.stderr.hasPrefix("error: cannot reach the central store host=\(postgres.socketDirectory) dbname=fleet user=git1 password=***: ")
            && wrong.stderr.contains("password authentication failed for user \"git1\""))
        outputs.append(wrong)

        // git1 may not ship git2's source, nor change or delete any event, nor move another source's mark.
        try box.commit("bob's second", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        let foreign = try box.refuge("ship", "--to", store("git1", secrets[0]), in: second)
        #expect(foreign.status == 1 && foreign.stderr == "error: the source \(secondSource) is shipped by the role git2, not this one: "
            + "ship it as git2, or give this log a source of its own (git refuge ship --new-source)\n")
        outputs.append(foreign)
        func denied(_ sql: String) -> String {
            do {
                return try postgres.psql(sql, database: "fleet", user: "git1", password: secrets[0])
            } catch {
                return "\(error)"
            }
        }
        #expect(denied("DELETE FROM event").contains("permission denied for table event"))
        #expect(denied("UPDATE event SET pusher = 'mallory'").contains("permission denied for table event"))
        #expect(denied("DELETE FROM source").contains("permission denied for table source"))
        #expect(denied("""
            INSERT INTO event (source_key, seq, time, side, hook, repository_path, ref, kind, status, batch_text, hash)
            VALUES ((SELECT key FROM source WHERE id = '\(secondSource)'), 99, now(), 'server', 'post-receive', '/x', 'refs/heads/x', 'create', 'accepted', 'b', 'h')
            """).contains("new row violates row-level security policy"))
        _ = denied("UPDATE source SET last_seq = 0 WHERE id = '\(secondSource)'")  // row-level security: no row matches
        #expect(try postgres.psql("SELECT last_seq FROM source WHERE id = '\(secondSource)'", database: "fleet") == "1")
        #expect(try postgres.psql("SELECT shipper FROM source ORDER BY shipper", database: "fleet") == "git1\ngit2")

        // The reading role reads the fleet and verifies it, and cannot ship.
        let read = try box.refuge("log", "--central", "--store", store("auditor", secrets[2]), "--json", in: box.root)
        #expect(read.succeeded && Output.array(LoggedEvent.self, from: read.stdout).count == 4, "\(read.stderr)")
        let verify = try box.refuge("verify", "--central", "--store", store("auditor", secrets[2]), in: box.root)
        #expect(verify.status == 0 && verify.stdout.hasSuffix("2 source(s), every chain intact\n"), "\(verify.stderr)")
        let readerShips = try box.refuge("ship", "--to", store("auditor", secrets[2]), "--new-source", in: server)
        #expect(readerShips.status == 1 && readerShips.stderr.contains("permission denied"))
        outputs += [read, verify, readerShips]
        #expect(try centralCount(postgres, source: firstSource) == (3, 3))
        for output in outputs {
            for secret in secrets { #expect(!output.stdout.contains(secret) && !output.stderr.contains(secret)) }
        }
    }

    @Test("the shipper killed with SIGKILL at ten random moments of a large ship: every event central exactly once, every chain intact")
    func killedShipper() throws {
        let box = try Sandbox()
        let postgres = try PostgresServer()
        let central = try postgres.createDatabase("fleet")
        let repository = try box.repositoryWithEvents(3_000)
        let local = try box.events(in: repository).count
        #expect(local == 3_002)
        try box.refuge("central", "init", "--to", central, in: repository)
        // Ten random points of the ship, as counts of events already central: each shipper is killed as
        // soon as the store has reached its point, in the middle of its next batches.
        let points = (0..<10).map { _ in Int.random(in: 50...2_000) }.sorted()
        var killed = 0
        var progress: [Int] = []
        func centralEvents() throws -> Int { Int(try postgres.psql("SELECT count(*) FROM event", database: "fleet")) ?? -1 }
        for point in points {
            // A shipper started while the killed one's transaction is still open is told "busy": again.
            for _ in 0..<20 {
                let shipper = try box.startRefuge(["ship", "--to", central, "--batch", "10"], in: repository, stderrPath: box.path("ship.err"))
                while shipper.isRunning, try centralEvents() < point { usleep(10_000) }
                kill(shipper.processIdentifier, SIGKILL)
                shipper.waitUntilExit()
                if shipper.terminationReason == .uncaughtSignal { killed += 1; break }
                let error = try String(contentsOfFile: box.path("ship.err"), encoding: .utf8)
                #expect(error.contains("another git refuge ship is shipping this log"), "\(error)")
                usleep(100_000)
            }
            progress.append(try centralEvents())
        }
        #expect(killed == 10, "killed \(killed) of 10; central counts \(progress) at points \(points)")
        #expect(progress.last ?? 0 < local, "the ship finished before the last kill: \(progress)")
        // A killed shipper's transaction ends when its server process sees the socket close: until then
        // the source is "busy", as designed.
        var (rest, shipped) = try box.ship(repository, to: central)
        for _ in 0..<10 where rest.stderr.contains("another git refuge ship is shipping this log") {
            usleep(200_000)
            (rest, shipped) = try box.ship(repository, to: central)
        }
        #expect(rest.succeeded, "\(rest.stderr)")
        let source = try #require(shipped?.source)
        #expect(shipped?.lastSeq == local && (progress.last ?? 0) + (shipped?.shipped ?? 0) == local)
        #expect(try centralCount(postgres, source: source) == (local, local))
        #expect(try postgres.psql("SELECT last_seq FROM source", database: "fleet") == "\(local)")
        let verified = try box.json(CentralVerifyOutput.self, ["verify", "--central", "--store", central, "--json"], in: box.root).1
        #expect(verified?.intact == true && verified?.sources?.first?.events == local)
    }

    @Test("PostgreSQL stopped during a ship, and two shippers at once: one clear line or 'busy', pushes unaffected, then complete, nothing twice")
    func storeStoppedAndConcurrentShippers() throws {
        let box = try Sandbox()
        let postgres = try PostgresServer()
        let central = try postgres.createDatabase("fleet")
        let (server, alice) = try box.pushedClone()
        let repository = try box.repositoryWithEvents(2_000)
        try box.refuge("central", "init", "--to", central, in: repository)

        // Stopped half-way: one line, non-zero; a push meanwhile is recorded; restarted, the rest ships.
        try box.git("config", "refuge.central", central, in: server)  // configured, and never on the push path
        let shipper = try box.startRefuge(["ship", "--to", central, "--batch", "20"], in: repository, stderrPath: box.path("ship.err"))
        usleep(400_000)
        try postgres.stop()
        shipper.waitUntilExit()
        let stderr = try String(contentsOfFile: box.path("ship.err"), encoding: .utf8)
        #expect(shipper.terminationStatus == 1 && stderr.hasPrefix("error: ") && stderr.split(separator: "\n").count == 1, "\(stderr)")
        try box.commit("while the store is down", in: alice)
        let push = try box.git("push", "-q", "origin", "main", in: alice)
        #expect(push.succeeded)
        #expect(try box.events(in: server).count == 2)
        try postgres.start()
        let source = try #require(try box.ship(repository, to: central).1?.source)
        #expect(try centralCount(postgres, source: source) == (2_002, 2_002))
        #expect(try box.ship(server, to: central).1?.shipped == 2)

        // Two shippers of one new log at once: each ends shipped or "busy", never duplicating.
        let other = try box.repositoryWithEvents(1_500, named: "other")
        let shippers = try (0..<2).map {
            try box.startRefuge(["ship", "--to", central, "--batch", "10"], in: other, stderrPath: box.path("race\($0).err"))
        }
        shippers.forEach { $0.waitUntilExit() }
        for (index, racer) in shippers.enumerated() {
            let error = try String(contentsOfFile: box.path("race\(index).err"), encoding: .utf8)
            #expect(racer.terminationStatus == 0 && error.isEmpty
                || racer.terminationStatus == 1 && error.hasPrefix("error: another git refuge ship is shipping this log (source "), "\(error)")
        }
        let (last, lastShipped) = try box.ship(other, to: central)
        #expect(last.succeeded && lastShipped?.lastSeq == 1_502)
        #expect(try centralCount(postgres, source: try #require(lastShipped?.source)) == (1_502, 1_502))
        let verified = try box.json(CentralVerifyOutput.self, ["verify", "--central", "--store", central, "--json"], in: box.root).1
        #expect(verified?.intact == true && verified?.sources?.count == 3)
    }

    /// A report's JSON as dictionaries (its keys are Docs/Reports.md's).
    func reportJSON(_ box: Sandbox, _ arguments: [String], in directory: String) throws -> [String: Any] {
        let result = try box.run(box.refugeBinary, ["report", "--format", "json"] + arguments, in: directory)
        #expect(result.succeeded, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func headline(_ section: Any?) -> [String: Int] {
        ((section as? [String: Any])?["headline"] as? [String: Int]) ?? [:]
    }

    @Test("three servers: report --central adds up their reports, per server and per repository, in every format; show --central lists what a force push dropped")
    func fleetReport() throws {
        let box = try Sandbox()
        let postgres = try PostgresServer()
        let central = try postgres.createDatabase("fleet")
        let (first, alice) = try box.pushedClone()
        let (second, bob) = try box.server(named: "second.git", clone: "bob")
        let (third, carol) = try box.server(named: "third.git", clone: "carol")
        var droppedCommits: [String] = []
        for (index, (server, clone)) in [(first, alice), (second, bob), (third, carol)].enumerated() {
            try box.git("config", "refuge.host", "git\(index + 1)", in: server)
            try box.commit("base \(index)", in: clone)
            try box.git("push", "-q", "origin", "HEAD:main", in: clone)
            // Author dates a minute apart: the rewrite is new work, not an amend of the dropped commit.
            droppedCommits.append(try box.commit("to be dropped \(index)", in: clone, at: 10 * index + 1))
            try box.git("push", "-q", "origin", "HEAD:main", in: clone)
            try box.git("reset", "-q", "--hard", "HEAD~1", in: clone)
            try box.commit("rewrite \(index)", in: clone, at: 10 * index + 2)
            try box.git("push", "-q", "--force", "origin", "HEAD:main", in: clone, environment: ["REMOTE_USER": "pusher\(index + 1)"])
        }
        try box.refuge("central", "init", "--to", central, in: first)
        for server in [first, second, third] { #expect(try box.ship(server, to: central).0.succeeded) }

        // The fleet's report is the sum of the servers' own, figure for figure.
        let fleet = try reportJSON(box, ["--central", "--store", central], in: box.root)
        let locals = try [first, second, third].map { try reportJSON(box, [], in: $0) }
        let summed = locals.map { headline($0["summary"]) }.reduce(into: [String: Int]()) { total, one in
            for (key, value) in one { total[key, default: 0] += value }
        }
        let fleetHeadline = headline(fleet["summary"])
        #expect(!summed.isEmpty && fleetHeadline.filter { $0.key != "lost_chains" } == summed.filter { $0.key != "lost_chains" })
        #expect(fleetHeadline["forced"] == 3 && fleetHeadline["commits_dropped"] == 3 && fleetHeadline["pinned"] == 3, "\(fleetHeadline) \(summed)")
        let servers = (fleet["servers"] as? [[String: Any]]) ?? []
        #expect(servers.map { $0["repository"] as? String } == ["git1", "git2", "git3"])
        #expect(servers.map { headline($0)["forced"] } == [1, 1, 1])
        let repositories = (fleet["repositories"] as? [[String: Any]]) ?? []
        #expect(repositories.map { $0["repository"] as? String } == ["git1:\(first)", "git2:\(second)", "git3:\(third)"])
        // Lost chains are found in a repository's objects, which the central store does not have: it says so.
        for (index, local) in locals.enumerated() {
            #expect(headline(repositories[index]).filter { $0.key != "lost_chains" } == headline(local["summary"]).filter { $0.key != "lost_chains" },
                    "\(index)")
        }
        #expect(((fleet["summary"] as? [String: Any])?["lost_scan_problem"] as? String)?.hasPrefix(
            "the central store holds events, not commits: git refuge lost on each server finds its lost chains") == true)
        // Every format renders the breakdown.
        let text = try box.refuge("report", "--central", "--store", central, in: box.root).stdout
        #expect(text.contains("Servers\nserver") && text.contains("git2:\(second)"))
        #expect(try box.refuge("report", "--central", "--store", central, "--format", "markdown", in: box.root).stdout.contains("## Servers"))
        #expect(try box.refuge("report", "--central", "--store", central, "--format", "html", in: box.root).stdout.contains("<h2>Servers</h2>"))
        let csv = try box.refuge("report", "--central", "--store", central, "--format", "csv", in: box.root).stdout
        #expect(csv.split(separator: "\r\n").count == 1 + (fleetHeadline["events"] ?? -1))

        // show --central: the force push on git2 and the commit it dropped, kept by the server's pin.
        let forced = try #require(try box.events(in: second).last { $0.kind == "forced" }?.id)
        let ambiguous = try box.refuge("show", "--central", "--store", central, "\(forced)", in: box.root)
        #expect(ambiguous.status == 1 && ambiguous.stderr.contains("is an event of 3 sources (ids are each source's): give one with --source"))
        struct Shown: Decodable {
            struct Commit: Decodable { let oid, state, summary: String? }
            let kind, host, pusher: String?
            let droppedCommits: [Commit]?
        }
        struct Detail: Decodable {
            let event: Shown?
            let droppedCommits: [Shown.Commit]?
        }
        let (shown, detail) = try box.json(Detail.self, ["show", "--central", "--store", central, "--source", "git2", "\(forced)", "--json"],
                                           in: box.root)
        #expect(shown.succeeded, "\(shown.stderr)")
        #expect(detail?.event?.kind == "forced" && detail?.event?.host == "git2" && detail?.event?.pusher == "pusher2")
        #expect(detail?.droppedCommits?.map(\.oid) == [droppedCommits[1]] && detail?.droppedCommits?.first?.state == "pinned")
        #expect(detail?.droppedCommits?.first?.summary == "to be dropped 1")
        let shownText = try box.refuge("show", "--central", "--store", central, "--source", "git2", "\(forced)", in: box.root).stdout
        #expect(shownText.contains("dropped commits (newest first, as git2 saw them at its last ship):")
            && shownText.contains(String(droppedCommits[1].prefix(7))))

        // A recovery on git2, shipped: the central store says the commit is back.
        let recovered = try box.refuge("recover", "main", in: second)
        #expect(recovered.succeeded, "\(recovered.stderr)")
        #expect(try box.ship(second, to: central).1?.shipped ?? 0 > 0)
        let after = try box.json(Detail.self, ["show", "--central", "--store", central, "--source", "git2", "\(forced)", "--json"], in: box.root).1
        #expect(after?.droppedCommits?.first?.state == "recovered")
        #expect(headline(try reportJSON(box, ["--central", "--store", central], in: box.root)["summary"])["recovered"] == 1)
    }

    @Test("a server-wide log shared by several repositories ships whole, with --all-repositories; without it, one line says so")
    func serverWideLog() throws {
        let box = try Sandbox()
        let postgres = try PostgresServer()
        let central = try postgres.createDatabase("fleet")
        let shared = box.path("srv/refuge/audit.db")
        var servers: [String] = []
        for name in ["app", "lib", "docs"] {
            let server = box.path("\(name).git")
            try box.git("init", "--bare", "-q", server, in: box.root)
            try box.git("config", "refuge.database", shared, in: server)
            try box.refuge("install", in: server)
            let clone = box.path("\(name)-clone")
            try box.git("clone", "-q", server, clone, in: box.root)
            try box.commit("\(name) one", in: clone)
            try box.git("push", "-q", "origin", "HEAD:main", in: clone)
            #expect(try box.events(in: server).count == 1)  // recorded into the shared log
            try box.commit("\(name) two", in: clone)
            try box.git("push", "-q", "origin", "HEAD:main", in: clone)  // waits in this repository's spool
            servers.append(server)
        }
        try box.refuge("central", "init", "--to", central, in: servers[0])
        let refused = try box.refuge("ship", "--to", central, in: servers[1])
        #expect(refused.status == 1 && refused.stderr == "error: this log (\(shared)) holds the events of 3 repositories and ships whole "
            + "(its chain spans them): git refuge ship --all-repositories\n")
        // Every repository's spool recorded first: the second pushes ship too.
        let (whole, shipped) = try box.ship(servers[2], to: central, "--all-repositories")
        #expect(whole.succeeded && shipped?.shipped == 6, "\(whole.stderr)")
        #expect(try postgres.psql("SELECT count(*) FROM source", database: "fleet") == "1")
        #expect(try postgres.psql("SELECT string_agg(DISTINCT repository_path, ' ' ORDER BY repository_path) FROM event", database: "fleet")
            == servers.sorted().joined(separator: " "))
        #expect(try postgres.psql("SELECT count(*) FROM event", database: "fleet") == "6")
        // Shipped from any of them, it is the same source: nothing twice.
        #expect(try box.ship(servers[0], to: central, "--all-repositories").1?.shipped == 0)
    }
}
