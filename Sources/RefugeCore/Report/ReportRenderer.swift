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
