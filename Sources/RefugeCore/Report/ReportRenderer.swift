import CSV
import Foundation
import GitKit
import Mustache
import TextTable

public enum ReportFormat: String, CaseIterable, Sendable {
    case text, markdown, json, csv, html
}

/// Turns an `AuditReport` into text, Markdown, JSON, CSV or a self-contained HTML page.
public enum ReportRenderer {
    public static func render(_ report: AuditReport, as format: ReportFormat) throws -> String {
        switch format {
        case .json: return try JSONOutput.render(ReportJSON(report: report))
        case .csv: return try csv(report.events)
        case .html: return try MustacheTemplate(string: ReportTemplates.html).render(ReportView(report))
        case .markdown: return try MustacheTemplate(string: ReportTemplates.markdown).render(TabularView(ReportView(report), markdown: true))
        case .text: return try MustacheTemplate(string: ReportTemplates.text).render(TabularView(ReportView(report), markdown: false))
        }
    }

    /// The CSV columns, in order (Docs/Reports.md).
    static let csvHeader = [
        "id", "time", "repository", "side", "hook", "ref", "old", "new", "kind", "dropped", "pusher", "remote", "url",
        "local_ref", "status", "reason", "undoes", "batch",
    ]

    /// A cell a spreadsheet would read as a formula (OWASP's CSV injection rule: it starts with `=`, `+`,
    /// `-`, `@`, a tab or a carriage return) gets a leading `'`, so that it is shown as text. Any value a
    /// pusher chooses (`REMOTE_USER`, `user.name`, a ref name, a reason) passes through here; ids, times and
    /// kinds never start so, and a `-` that starts a number would only ever be ours (none do).
    static func neutralized(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return cell }
        return "'" + cell
    }

    /// One row per event, RFC 4180 quoting (CSV.swift quotes fields holding commas, quotes or line breaks),
    /// every cell neutralized against formula injection.
    static func csv(_ events: [AuditEvent]) throws -> String {
        let writer = try CSVWriter(stream: .toMemory(), newline: .crlf)
        try writer.write(row: csvHeader)
        for event in events {
            try writer.write(row: [
                event.id.map(String.init) ?? "", Timestamp.iso(event.time), event.repository, event.side.rawValue,
                event.source.rawValue, event.ref, event.old?.hex ?? "", event.new?.hex ?? "", event.kind.rawValue,
                event.dropped.map(String.init) ?? "", event.pusher ?? "", event.remote ?? "", event.url ?? "",
                event.localRef ?? "", event.status.rawValue, event.reason ?? "", event.undoes.map(String.init) ?? "",
                event.batch,
            ].map(neutralized))
        }
        writer.stream.close()
        let data = writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return String(decoding: data, as: UTF8.self) + "\r\n"
    }
}

/// The text and Markdown reports: the same view, with its tables laid out by TextTable.
struct TabularView {
    let title, scopeNote, period, generatedAt, database, integrity: String
    let multiRepository: Bool
    let figuresTable, kindTable, sideTable, repositoriesTable, rewritesTable, droppedList: String
    let refsTable, pushersTable, lostTable, recoveriesTable, unconfirmedTable, refusalsTable: String

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
        figuresTable = table(["figure", "value"], view.figures.map { [$0.label, String($0.value)] })
        kindTable = table(["kind", "updates"], view.byKind.map { [$0.name, String($0.count)] })
        sideTable = table(["side", "updates"], view.bySide.map { [$0.name, String($0.count)] })
        repositoriesTable = table(
            ["repository", "updates", "rewrites", "still lost", "lost chains"],
            view.repositoryRows.map { [$0.repository, String($0.updates), String($0.rewrites), String($0.stillLost), String($0.lostChains)] })
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
