import Foundation
import TextTable

/// The text and Markdown reports: the same view, with its tables laid out by TextTable.
struct TabularView {
    let title, scopeNote, period, generatedAt, database, integrity: String
    let multiRepository: Bool
    let multiServer: Bool
    let figuresTable, kindTable, sideTable, repositoriesTable, serversTable, rewritesTable, droppedList: String
    let refsTable, pushersTable, lostTable, recoveriesTable, unconfirmedTable, refusalsTable: String
    /// One sentence per forced update and person whose pushed work it dropped, with the commits.
    let droppedWorkList: String

    init(_ view: ReportView, markdown: Bool) {
        func cell(_ text: String) -> String {
            guard markdown else { return text }
            return text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
                .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\n", with: " ")
        }
        func table(_ headers: [String], _ rows: [[String]]) -> String {
            guard !rows.isEmpty else { return markdown ? "_none_\n" : "  (none)\n" }
            let layout = TextTable<[String]> { row in
                headers.enumerated().map { Column(title: $0.element, value: cell(row[$0.offset])) }
            }
            return layout.string(for: rows, style: markdown ? Style.pipe : Style.simple) ?? ""
        }
        title = view.title
        scopeNote = view.scopeNote
        period = view.period
        generatedAt = view.generatedAt
        database = view.database
        integrity = view.integrity
        multiRepository = view.multiRepository
        multiServer = view.multiServer
        figuresTable = table(["figure", "value"], view.figures.map { [$0.label, String($0.value)] })
        kindTable = table(["kind", "updates"], view.byKind.map { [$0.name, String($0.count)] })
        sideTable = table(["side", "updates"], view.bySide.map { [$0.name, String($0.count)] })
        repositoriesTable = table(
            ["repository", "updates", "rewrites", "still lost", "lost chains"],
            view.repositoryRows.map { [$0.repository, String($0.updates), String($0.rewrites), String($0.stillLost), String($0.lostChains)] })
        serversTable = table(
            ["server", "updates", "rewrites", "still lost", "lost chains"],
            view.serverRows.map { [$0.repository, String($0.updates), String($0.rewrites), String($0.stillLost), String($0.lostChains)] })
        func noted(_ note: String?, _ table: String) -> String {
            guard let note else { return table }
            return (markdown ? "_\(note)_\n\n" : "  \(note)\n") + table
        }
        rewritesTable = noted(view.rewritesNote, view.multiRepository
            ? table(["event", "time", "repository", "ref", "kind", "pusher", "from", "to", "dropped", "recovered by"],
                    view.rewrites.map { [$0.id, $0.time, $0.repository, $0.ref, $0.kind, $0.pusher, $0.from, $0.to, $0.count, $0.recoveredBy] })
            : table(["event", "time", "ref", "kind", "pusher", "from", "to", "dropped", "recovered by"],
                    view.rewrites.map { [$0.id, $0.time, $0.ref, $0.kind, $0.pusher, $0.from, $0.to, $0.count, $0.recoveredBy] }))
        var dropped: [String] = []
        for rewrite in view.rewrites where !rewrite.dropped.isEmpty || rewrite.unknown {
            dropped.append(markdown ? "\n**\(cell(rewrite.id)) dropped:**\n" : "\(rewrite.id) dropped:")
            if rewrite.unknown { dropped.append(markdown ? "- commits not in this repository" : "  commits not in this repository") }
            for commit in rewrite.dropped {
                let line = "\(commit.short) \(commit.summary) (\(commit.author)): \(commit.state)"
                    + (commit.note.isEmpty ? "" : " \(commit.note)")
                dropped.append(markdown ? "- `\(commit.short)` \(cell(commit.summary)) (\(cell(commit.author))): **\(commit.state)**"
                    + (commit.note.isEmpty ? "" : " \(commit.note)") : "  " + line)
            }
        }
        droppedList = dropped.joined(separator: "\n") + (dropped.isEmpty ? "" : "\n")
        var work: [String] = []
        for row in view.droppedWork {
            work.append(markdown ? "- \(cell(row.sentence))" : "  \(row.sentence)")
            for commit in row.commits {
                work.append(markdown ? "  - `\(commit.short)` \(cell(commit.summary)): **\(commit.state)**"
                    : "    \(commit.short) \(commit.summary): \(commit.state)")
            }
        }
        droppedWorkList = work.isEmpty ? (markdown ? "_none_\n" : "  (none)\n") : work.joined(separator: "\n") + "\n"
        refsTable = table(["ref", "rewrites"], view.mostRewrittenRefs.map { [$0.name, String($0.count)] })
        pushersTable = table(["pusher", "rewrites"], view.topForcePushers.map { [$0.name, String($0.count)] })
        lostTable = (view.lostProblem.map { "\($0)\n" } ?? "") + table(
            ["tip", "commits", "found in", "last on", "since", "author", "summary", "expires"],
            view.lost.map { [$0.short, String($0.commits), $0.source, $0.ref, $0.time, $0.author, $0.summary, $0.expires] })
        recoveriesTable = noted(view.recoveriesNote, table(
            ["event", "time", "ref", "by", "what"], view.recoveries.map { [$0.id, $0.time, $0.ref, $0.pusher, $0.detail] }))
        unconfirmedTable = noted(view.unconfirmedNote, table(
            ["event", "time", "ref", "by", "push"], view.unconfirmed.map { [$0.id, $0.time, $0.ref, $0.pusher, $0.detail] }))
        refusalsTable = noted(view.refusalsNote, table(
            ["event", "time", "ref", "pusher", "reason"], view.refusals.map { [$0.id, $0.time, $0.ref, $0.pusher, $0.detail] }))
    }
}
