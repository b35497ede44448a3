import Foundation
import GRDB
import RefugeTestSupport
import Testing

/// Reports from a scripted history on real repositories: a server and clients with force pushes, a
/// deletion, a recovery and a policy refusal; each format checked for its figures.
@Suite("Audit reports and backfill")
struct ReportTests {
    struct History {
        let server: String
        let alice: String
        let fix: String
        let featureTip: String
        let recoveryID: Int
        let forcedID: Int
        let deleteID: Int
    }

    /// Bob's fix goes to main and release/1; Alice force-pushes over it on main, deletes Bob's feature
    /// branch, and is refused a forced update of the protected release/1; the server then replays Bob's fix
    /// onto main.
    func history(_ box: Sandbox) throws -> History {
        let (server, clones) = try box.serverWithClones("alice", "bob")
        let (alice, bob) = (clones[0], clones[1])
        try box.git("config", "--add", "refuge.protect", "refs/heads/release/*", in: server)
        try box.refuge("install", in: server)
        let as_ = { (who: String) in ["REMOTE_USER": who] }
        try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", "main:release/1", in: alice, environment: as_("alice"))
        try box.git("pull", "-q", "origin", "main", in: bob)
        let fix = try box.commit("bob's fix", in: bob)
        try box.git("push", "-q", "origin", "main", "main:release/1", in: bob, environment: as_("bob"))
        try box.git("checkout", "-q", "-b", "feature", in: bob)
        let featureTip = try box.commit("bob's feature", in: bob)
        try box.git("push", "-q", "origin", "feature", in: bob, environment: as_("bob"))
        try box.commit("alice's rewrite", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice, environment: as_("alice"))
        try box.git("push", "-q", "origin", ":feature", in: alice, environment: as_("alice"))
        let refused = try box.git("push", "-q", "--force", "origin", "main:release/1", in: alice,
                                  environment: as_("alice"), allowFailure: true)
        #expect(!refused.succeeded)
        let recover = try box.run(box.refugeBinary, ["recover", "main", "--replay", "--json"], in: server)
        #expect(recover.succeeded, "\(recover.stderr)")
        let events = try box.events(in: server)
        let forced = events.first { $0.kind == "forced" && $0.status == "accepted" }
        let deletion = events.first { $0.kind == "delete" }
        let recovery = events.first { $0.hook == "recover" && $0.status == "done" }
        return History(server: server, alice: alice, fix: fix, featureTip: featureTip, recoveryID: recovery?.id ?? -1,
                       forcedID: forced?.id ?? -1, deleteID: deletion?.id ?? -1)
    }

    func report(_ box: Sandbox, in directory: String, _ arguments: String...) throws -> String {
        let result = try box.run(box.refugeBinary, ["report"] + arguments, in: directory)
        #expect(result.succeeded, "report failed: \(result.stderr)")
        return result.stdout
    }

    @Test("JSON: totals by kind and side, every rewrite with its dropped commits' state, refusals, lost, integrity")
    func json() throws {
        let box = try Sandbox()
        let story = try history(box)
        let text = try report(box, in: story.server, "--format", "json")
        let root = try Output.decode(ReportOutput.self, from: text)
        #expect(root.schema == "refuge-report/1")
        let summary = try #require(root.summary)
        // 10 events: 8 updates that happened, the refusal and the recovery's intent. The kind and side tables
        // count the 8 (the replay onto main as a recovery, not a fast-forward); every table adds up to them.
        #expect(summary.byKind
            == ["create": 3, "fast-forward": 2, "forced": 1, "delete": 1, "recovery": 1, "bookkeeping": 0])
        #expect(summary.bySide == ["client": 0, "server": 7, "local": 1])
        let headline = try #require(summary.headline?.table)
        #expect(headline == [
            "events": 10, "updates": 8, "rewrites": 2, "forced": 1, "deletions": 1, "commits_dropped": 2, "still_lost": 0, "pinned": 1,
            "rewritten": 0,
            "recovered": 1, "reachable_again": 0, "lost_chains": 1, "refusals": 1, "unconfirmed_pushes": 0,
            "recoveries": 1,
        ])
        let rewrites = try #require(summary.rewrites)
        #expect(rewrites.map { ($0.event)?.id } == [story.forcedID, story.deleteID])
        let forcedDrop = (rewrites[0].droppedCommits) ?? []
        #expect(forcedDrop.map { $0.oid } == [story.fix])
        #expect(forcedDrop.first?.state == "recovered" && forcedDrop.first?.recoveredBy == story.recoveryID)
        #expect(forcedDrop.first?.author == "Bob <bob@example.com>")
        #expect(rewrites[0].recoveredBy == [story.recoveryID])
        let deleteDrop = (rewrites[1].droppedCommits) ?? []
        #expect(deleteDrop.map { $0.oid } == [story.featureTip])
        #expect(deleteDrop.first?.state == "pinned")
        let refs = (summary.mostRewrittenRefs) ?? []
        #expect(refs.map { "\($0.ref ?? "") \($0.count ?? 0)" } == ["refs/heads/feature 1", "refs/heads/main 1"])
        let pushers = (summary.topForcePushers) ?? []
        #expect(pushers.map { "\($0.pusher ?? "") \($0.count ?? 0)" } == ["alice 2"])
        let refusals = (summary.policyRefusals) ?? []
        #expect(refusals.map { $0.ref } == ["refs/heads/release/1"])
        #expect(refusals.first?.reason?.contains("protected") == true)
        let lost = (summary.lostCommits) ?? []
        #expect(lost.map { $0.oid } == [story.featureTip])
        #expect(lost.first?.expires == nil)
        #expect((summary.recoveries)?.map { $0.id } == [story.recoveryID])
        let integrity = try #require(root.integrity)
        #expect(integrity.checked == true && integrity.intact == true)
        #expect(integrity.detail?.hasPrefix("intact: the hash chain of all 10 event(s)") == true)  // + the recovery's intent
        #expect((summary.timeline)?.first?.updates == 8)

        // Alice's clone: her refused push was attempted and never confirmed.
        let clientText = try report(box, in: story.alice, "--format", "json")
        let client = try? Output.decode(ReportOutput.self, from: clientText)
        let unconfirmed = ((client?.summary)?.unconfirmedPushes) ?? []
        // (Her deletion of feature too: she never had origin/feature, so no tracking ref could confirm it.)
        #expect(unconfirmed.map { $0.ref } == ["refs/heads/feature", "refs/heads/release/1"])

        // Filters: --ref and --pusher narrow every figure.
        let onlyMain = try report(box, in: story.server, "--format", "json", "--ref", "main")
        let main = try? Output.decode(ReportOutput.self, from: onlyMain)
        #expect(main?.summary?.headline?.updates == 4)  // create, ff, forced, recovery
        let byBob = try report(box, in: story.server, "--format", "json", "--pusher", "bob")
        let bob = try? Output.decode(ReportOutput.self, from: byBob)
        #expect(bob?.summary?.headline?.rewrites == 0)
    }

    @Test("--limit lists the newest rows and says so; figures still count every row; the chain is verified from a checkpoint")
    func limitAndCheckpoint() throws {
        let box = try Sandbox()
        let story = try history(box)
        let text = try report(box, in: story.server, "--format", "json", "--limit", "1")
        let summary = try #require(try Output.decode(ReportOutput.self, from: text).summary)
        let listed = (summary.rewrites)?.map { ($0.event)?.id }
        #expect(listed == [story.deleteID])  // the newer of the two
        #expect(summary.headline?.rewrites == 2)
        #expect(summary.listLimit == 1)
        let plain = try report(box, in: story.server, "--limit", "1")
        #expect(plain.contains("The newest 1 of 2 (git refuge report --limit N lists more; git refuge log --forced lists them all)."))
        #expect(try !report(box, in: story.server).contains("The newest"))

        // The first report verified all 10 rows and left a checkpoint: the next verifies only what came after.
        try box.commit("after the checkpoint", in: story.alice)
        try box.git("push", "-q", "origin", "HEAD:refs/heads/later", in: story.alice, environment: ["REMOTE_USER": "alice"])
        let again = try report(box, in: story.server, "--format", "json")
        let integrity = try #require(try Output.decode(ReportOutput.self, from: again).integrity)
        let detail = integrity.detail ?? ""
        #expect(detail.hasPrefix("intact: the hash chain of all 11 event(s)"), "\(detail)")
        #expect(detail.contains("events up to #10 as verified on") && detail.contains("the 1 after them now"), "\(detail)")

        // A row written after the checkpoint (#11 now) and then edited is caught; so is a checkpoint row whose
        // hash was rewritten. (An edit of a row before the checkpoint is for `verify`, which reads every row.)
        try box.git("push", "-q", "origin", "HEAD:refs/heads/later2", in: story.alice, environment: ["REMOTE_USER": "alice"])
        #expect(try box.events(in: story.server).count == 12)  // drained from the spool into the log
        let database = try DatabaseQueue(path: "\(story.server)/refuge/audit.db")
        try database.write { try $0.execute(sql: "UPDATE event SET pusher = 'mallory' WHERE id = 12") }
        let edited = try box.run(box.refugeBinary, ["report", "--format", "json"], in: story.server)
        #expect(edited.stdout.contains("broken: event #12: its content does not match its hash"), "\(edited.stdout)")
        try database.write { db in
            try db.execute(sql: "UPDATE event SET hash = zeroblob(32) WHERE id = 11")
        }
        let resealed = try box.run(box.refugeBinary, ["report", "--format", "json"], in: story.server)
        #expect(resealed.stdout.contains("broken: event #11: its hash is not the one verified on"), "\(resealed.stdout)")
    }

    @Test("CSV: a header and one row per event, quoted where needed")
    func csv() throws {
        let box = try Sandbox()
        let story = try history(box)
        let rows = Self.parseCSV(try report(box, in: story.server, "--format", "csv"))
        #expect(rows.first == ["id", "time", "repository", "side", "hook", "ref", "old", "new", "kind", "dropped", "pusher",
                               "remote", "url", "local_ref", "status", "reason", "undoes", "batch"])
        #expect(rows.count == 11)  // the header, and 10 events (a recovery writes its intent, then its outcome)
        let kinds = rows.dropFirst().map { $0[8] }
        #expect(kinds.filter { $0 == "forced" }.count == 2 && kinds.filter { $0 == "delete" }.count == 1)
        let recovery = rows.first { $0.count > 14 && $0[4] == "recover" && $0[14] == "done" }
        #expect(recovery?[16] == String(story.forcedID))
        let refusal = rows.first { $0.count > 14 && $0[14] == "rejected" }
        #expect(refusal?[5] == "refs/heads/release/1" && refusal?[15].contains("protected") == true)
    }

    @Test("text and Markdown: the same figures, laid out as tables")
    func textAndMarkdown() throws {
        let box = try Sandbox()
        let story = try history(box)
        let markdown = try report(box, in: story.server, "--format", "markdown")
        #expect(markdown.hasPrefix("# Refuge audit report"))
        #expect(Self.markdownRow(markdown, "forced updates") == ["forced updates", "1"])
        #expect(Self.markdownRow(markdown, "still lost") == ["still lost", "0"])
        #expect(Self.markdownRow(markdown, "policy refusals") == ["policy refusals", "1"])
        #expect(markdown.contains("- `\(story.fix.prefix(7))` bob's fix (Bob): **recovered** by recovery #\(story.recoveryID)"))
        #expect(markdown.contains("- `\(story.featureTip.prefix(7))` bob's feature (Bob): **pinned**"))
        let text = try report(box, in: story.server)
        let figures = text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(figures.contains("commits dropped 2"))
        #expect(figures.contains("recovered 1"))
        #expect(text.contains("\(story.fix.prefix(7)) bob's fix (Bob): recovered by recovery #\(story.recoveryID)"))
        #expect(text.contains("Integrity of the log: intact"))
    }

    @Test("HTML: one self-contained page, rendered by Chromium with its timeline chart")
    func html() throws {
        let box = try Sandbox()
        let story = try history(box)
        let file = box.path("report.html")
        let written = try box.refuge("report", "--format", "html", "--output", file, in: story.server)
        #expect(written.succeeded && written.stderr.contains("wrote \(file)"))
        let page = try String(contentsOfFile: file, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<svg id=\"timeline\""))
        for external in ["http://", "https://", "<script", "<link", "src=", "@import", "url("] {
            #expect(!page.contains(external), "the page refers to something outside itself: \(external)")
        }
        #expect(page.contains("bob&#39;s fix") || page.contains("bob&#x27;s fix") || page.contains("bob's fix"))

        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let browser = try #require(chromium, "Chromium is not installed (Scripts/test installs it)")
        let png = box.path("report.png")
        let render = try box.run(browser, [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,1400",
            "--screenshot=\(png)", "file://\(file)",
        ])
        #expect(render.succeeded, "chromium failed: \(render.stderr)")
        let counter = Self.packageRoot + "/Tests/IntegrationTests/Support/png_colors.py"
        let counts = try box.run("python3", [counter, png, "9aa5b5", "c0392b"])
        #expect(counts.succeeded, "\(counts.stderr)")
        let numbers = counts.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(numbers.count == 4 && numbers[0] == 1100 && numbers[1] == 1400)
        // The bars: grey for all updates, red for the rewrites (the legend swatches are 100 pixels each).
        #expect(numbers.count == 4 && numbers[2] > 1_000, "grey chart pixels: \(numbers)")
        #expect(numbers.count == 4 && numbers[3] > 1_000, "red chart pixels: \(numbers)")
    }

    @Test("an amended commit force-pushed is rewritten, not lost; a reset one is lost until pinned work is pruned")
    func rewrittenVersusLost() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        let first = try box.commit("first draft", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("commit", "-q", "--amend", "-m", "first draft, reworded", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let dropped = try box.commit("dropped work", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        try box.run(box.refugeBinary, ["prune", "--older-than", "now"], in: server)
        let text = try report(box, in: server, "--format", "json")
        let root = try? Output.decode(ReportOutput.self, from: text)
        let rewrites = ((root?.summary)?.rewrites) ?? []
        let states = rewrites.flatMap { ($0.droppedCommits) ?? [] }
            .map { "\($0.oid ?? "") \($0.state ?? "")" }
        #expect(states == ["\(first) rewritten", "\(dropped) lost"])
        let headline = root?.summary?.headline
        #expect(headline?.rewritten == 1 && headline?.stillLost == 1)
    }

    @Test("backfill in a clone Refuge already records: its commits and confirmed pushes are not imported again")
    func backfillAfterLiveRecording() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("one", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.commit("two", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        let before = try box.events(in: alice).count
        let result = try box.run(box.refugeBinary, ["backfill", "--json"], in: alice)
        let counts = try? Output.decode(BackfillOutput.self, from: result.stdout)
        #expect(counts?.imported == 0)
        #expect(counts?.alreadyRecorded == 4)  // two commits on main, two pushes' tracking updates
        #expect(try box.events(in: alice).count == before)
    }

    @Test("--repository all: a database shared by a server and its clones, broken down per repository")
    func sharedDatabase() throws {
        let box = try Sandbox()
        let shared = ["REFUGE_DATABASE": box.path("shared/audit.db")]
        let server = box.path("server.git")
        try box.git("init", "--bare", "-q", server, in: box.root)
        try box.run(box.refugeBinary, ["install"], in: server, environment: shared)
        let alice = box.path("alice")
        try box.git("clone", "-q", server, alice, in: box.root)
        try box.run(box.refugeBinary, ["install"], in: alice, environment: shared)
        try box.commit("one", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice, environment: shared)
        try box.git("reset", "-q", "--hard", "HEAD", in: alice)
        try box.commit("two", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        // Each repository's hooks spool locally; a command run there (here drain) moves it to the shared log.
        try box.run(box.refugeBinary, ["drain"], in: server, environment: shared)
        let result = try box.run(box.refugeBinary, ["report", "--format", "json", "--repository", "all"], in: alice, environment: shared)
        #expect(result.succeeded, "\(result.stderr)")
        let root = try? Output.decode(ReportOutput.self, from: result.stdout)
        let sections = (root?.repositories) ?? []
        #expect(sections.count == 2)
        let updates = sections.compactMap { $0.headline?.updates }
        let total = root?.summary?.headline?.updates
        #expect(updates.reduce(0, +) == total && (total ?? 0) > 0)
        let one = try box.run(box.refugeBinary, ["report", "--format", "json", "--repository", server], in: alice, environment: shared)
        let serverOnly = try? Output.decode(ReportOutput.self, from: one.stdout)
        #expect((serverOnly?.summary)?.repository == (server as NSString).standardizingPath)
        let unknown = try box.run(box.refugeBinary, ["report", "--repository", "/nowhere"], in: alice, environment: shared)
        #expect(unknown.status == 1 && unknown.stderr.contains("has no repository /nowhere"))
    }

    @Test("backfill: hundreds of reflog entries imported once, classified; a second run imports nothing")
    func backfill() throws {
        let box = try Sandbox()
        let repo = box.path("old")
        try box.git("init", "-q", repo, in: box.root)
        // 300 commits and, every 50, a reset that drops two: history written before Refuge was installed.
        let script = """
            set -e
            for n in $(seq 1 300); do
              git commit -q --allow-empty -m "commit $n"
              if [ $((n % 50)) = 0 ]; then git reset -q --hard HEAD~2; fi
            done
            git checkout -q -b side && git commit -q --allow-empty -m side && git checkout -q main
            """
        let made = try box.run("/bin/sh", ["-c", script], in: repo)
        #expect(made.succeeded, "\(made.stderr)")
        let reflog = try box.git("reflog", "show", "--format=%H", "refs/heads/main", in: repo).stdout.split(separator: "\n").count
        #expect(reflog == 306)

        let first = try box.run(box.refugeBinary, ["backfill", "--json"], in: repo)
        #expect(first.succeeded, "\(first.stderr)")
        let counts = try? Output.decode(BackfillOutput.self, from: first.stdout)
        // main's 306 entries and side's 2; HEAD's repeat them, or are branch switches, which move no ref.
        #expect(counts?.imported == 308)
        #expect(counts?.headDuplicates == 307)
        #expect(counts?.branchSwitches == 1)  // side → main; main → side moved no commit and is skipped
        let events = try box.events(in: repo)
        #expect(events.count == 308)
        #expect(events.allSatisfy { $0.hook == "backfill" && $0.status == "done" })
        let forced = events.filter { $0.kind == "forced" }
        #expect(forced.count == 6 && forced.allSatisfy { $0.dropped == 2 })
        #expect(forced.first?.reason == "reflog: reset: moving to HEAD~2")

        let second = try box.run(box.refugeBinary, ["backfill", "--json"], in: repo)
        let again = try? Output.decode(BackfillOutput.self, from: second.stdout)
        #expect(again?.imported == 0 && again?.alreadyRecorded == 308)
        #expect(try box.events(in: repo).count == 308)

        // The imported past is what lost and report read: the dropped commits are found through the
        // log after every reflog is expired.
        try box.git("reflog", "expire", "--expire=now", "--all", in: repo)
        let lost = try box.run(box.refugeBinary, ["lost", "--json"], in: repo)
        let rows = Output.array(LostRow.self, from: lost.stdout)
        #expect(rows.count == 6 && rows.allSatisfy { $0.source == "audit-log" && $0.commits == 2 })
        let report = try box.run(box.refugeBinary, ["report", "--format", "json"], in: repo)
        let root = try? Output.decode(ReportOutput.self, from: report.stdout)
        #expect(root?.summary?.headline?.commitsDropped == 12)
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// RFC 4180: quoted fields may hold commas, doubled quotes and line breaks.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var iterator = Array(text).makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.append(character) }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field); field = ""
            } else if character == "\r\n" || character == "\n" {
                row.append(field); field = ""
                if row != [""] { rows.append(row) }
                row = []
            } else if character != "\r" {
                field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    /// The cells of the Markdown table row whose first cell is `label`.
    static func markdownRow(_ markdown: String, _ label: String) -> [String]? {
        for line in markdown.split(separator: "\n") where line.hasPrefix("|") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.first == label { return cells }
        }
        return nil
    }
}
