import Foundation
import GitKit

/// The report as the templates see it: strings and numbers only, computed once, shared by the text,
/// Markdown and HTML templates (Mustache reads these properties by name).
struct ReportView {
    struct Figure { let label: String; let value: Int; let alert: Bool }
    struct Dropped { let short: String; let oid: String; let summary: String; let author: String; let state: String; let note: String }
    struct Rewrite {
        let id: String; let time: String; let repository: String; let ref: String; let kind: String; let pusher: String
        let side: String; let from: String; let to: String; let count: String; let dropped: [Dropped]; let unknown: Bool
        let recoveredBy: String
    }
    struct Lost {
        let short: String; let oid: String; let commits: Int; let source: String; let ref: String; let time: String
        let author: String; let summary: String; let expires: String; let pinned: Bool
    }
    struct EventRow {
        let id: String; let time: String; let repository: String; let ref: String; let kind: String; let pusher: String
        let detail: String
    }
    struct Rank { let name: String; let count: Int }
    struct DroppedWork { let sentence: String; let commits: [Dropped] }
    struct Bar {
        let x: String; let width: String; let totalY: String; let totalHeight: String; let rewriteY: String
        let rewriteHeight: String; let title: String
    }
    struct AxisLabel { let x: String; let text: String; let anchor: String }
    struct RepositoryRow { let repository: String; let updates: Int; let rewrites: Int; let stillLost: Int; let lostChains: Int }

    let title: String
    let generatedAt: String
    let database: String
    let period: String
    let scopeNote: String
    let figures: [Figure]
    let byKind: [Rank]
    let bySide: [Rank]
    let rewrites: [Rewrite]
    let hasRewrites: Bool
    /// "Alice's force push of main at … dropped 2 of bob's commits, still lost".
    let droppedWork: [DroppedWork]
    let hasDroppedWork: Bool
    let mostRewrittenRefs: [Rank]
    let topForcePushers: [Rank]
    let lost: [Lost]
    let hasLost: Bool
    let lostProblem: String?
    let unconfirmed: [EventRow]
    let refusals: [EventRow]
    let recoveries: [EventRow]
    /// Said when a listing shows only the newest rows: `the newest 100 of 9990 …`; nil when it shows all.
    let rewritesNote, unconfirmedNote, refusalsNote, recoveriesNote: String?
    let integrity: String
    let integrityChecked: Bool
    let multiRepository: Bool
    let repositoryRows: [RepositoryRow]
    /// A central report's servers (`report --central`), as rows of the same shape.
    let multiServer: Bool
    let serverRows: [RepositoryRow]
    // The timeline chart (HTML): bars, axis labels and the scale.
    let bars: [Bar]
    let axisLabels: [AxisLabel]
    let chartMax: Int
    let hasTimeline: Bool
    let timelineDays: Int

    static let chartWidth = 720.0, chartHeight = 160.0, chartTop = 10.0

    init(_ report: AuditReport) {
        let total = report.total
        let headline = total.headline
        let multi = !report.repositories.isEmpty
        title = "Refuge audit report"
        generatedAt = Timestamp.short(report.generatedAt)
        database = report.database
        let from = report.period.since ?? report.period.firstEvent
        let to = report.period.until ?? report.period.lastEvent ?? report.generatedAt
        period = from.map { "\(Timestamp.short($0)) to \(Timestamp.short(to))" } ?? "no events"
        var scope: [String] = []
        switch report.scope.repositories {
        case .current, .named: scope.append("repository \(total.repository)")
        case .all where !report.servers.isEmpty:
            scope.append("the central store: \(report.servers.count) server(s), \(report.repositories.count) repositories")
        case .all: scope.append("all \(report.repositories.count) repositories in the log")
        }
        if let ref = report.scope.ref { scope.append("ref \(ref)") }
        if let pusher = report.scope.pusher { scope.append("pusher \(pusher)") }
        scopeNote = scope.joined(separator: ", ")
        figures = [
            Figure(label: "events recorded", value: headline.events, alert: false),
            Figure(label: "updates", value: headline.updates, alert: false),
            Figure(label: "forced updates", value: headline.forced, alert: headline.forced > 0),
            Figure(label: "deletions", value: headline.deletions, alert: headline.deletions > 0),
            Figure(label: "commits dropped", value: headline.commitsDropped, alert: headline.commitsDropped > 0),
            Figure(label: "still lost", value: headline.stillLost, alert: headline.stillLost > 0),
            Figure(label: "pinned", value: headline.pinned, alert: false),
            Figure(label: "rewritten (rebased)", value: headline.rewritten, alert: false),
            Figure(label: "recovered", value: headline.recovered, alert: false),
            Figure(label: "recoveries", value: headline.recoveries, alert: false),
            Figure(label: "lost chains waiting", value: headline.lostChains, alert: headline.lostChains > 0),
            Figure(label: "policy refusals", value: headline.refusals, alert: false),
            Figure(label: "unconfirmed pushes", value: headline.unconfirmed, alert: false),
        ]
        byKind = total.byKind.map { Rank(name: $0.name, count: $0.count) }
        bySide = total.bySide.map { Rank(name: $0.name, count: $0.count) }
        rewrites = total.rewrites.reversed().map { rewrite in
            let event = rewrite.event
            return Rewrite(
                id: "#\(event.id ?? 0)", time: Timestamp.short(event.time), repository: event.repository, ref: event.ref,
                kind: event.kind.rawValue, pusher: (event.pusher ?? "unknown") + (event.address.map { " from \($0)" } ?? ""), side: event.side.rawValue,
                from: event.old?.short ?? "-", to: event.new?.short ?? "(deleted)",
                count: event.dropped.map(String.init) ?? "unknown",
                dropped: (rewrite.dropped ?? []).map { dropped in
                    Dropped(
                        short: dropped.commit.id.short, oid: dropped.commit.id.hex, summary: dropped.commit.summary,
                        author: dropped.commit.authorName, state: dropped.state.rawValue,
                        note: dropped.recoveredBy.map { "by recovery #\($0)" } ?? "")
                },
                unknown: rewrite.dropped == nil, recoveredBy: rewrite.recoveries.map { "#\($0)" }.joined(separator: ", "))
        }
        hasRewrites = !rewrites.isEmpty
        droppedWork = total.droppedWork.map { work in
            DroppedWork(sentence: work.sentence, commits: work.commits.map { dropped in
                Dropped(short: dropped.commit.id.short, oid: dropped.commit.id.hex, summary: dropped.commit.summary,
                        author: dropped.commit.authorName, state: dropped.state.rawValue,
                        note: dropped.recoveredBy.map { "by recovery #\($0)" } ?? "")
            })
        }
        hasDroppedWork = !droppedWork.isEmpty
        mostRewrittenRefs = total.mostRewrittenRefs.map { Rank(name: $0.name, count: $0.count) }
        topForcePushers = total.topForcePushers.map { Rank(name: $0.name, count: $0.count) }
        lost = total.lostWaiting.map { row in
            Lost(short: row.tip.id.short, oid: row.tip.id.hex, commits: row.commits, source: row.source.rawValue,
                 ref: row.ref ?? "-", time: Timestamp.short(row.time), author: row.tip.authorName, summary: row.tip.summary,
                 expires: row.pin != nil ? "pinned" : row.expires.map(Timestamp.short) ?? "never", pinned: row.pin != nil)
        }
        hasLost = !lost.isEmpty
        lostProblem = total.lostScanProblem
        func rows(_ events: [AuditEvent], _ detail: (AuditEvent) -> String) -> [EventRow] {
            events.map {
                EventRow(id: "#\($0.id ?? 0)", time: Timestamp.short($0.time), repository: $0.repository, ref: $0.ref,
                         kind: $0.kind.rawValue, pusher: $0.pusher ?? "unknown", detail: detail($0))
            }
        }
        unconfirmed = rows(total.unconfirmedPushes) { "to \($0.remote ?? $0.url ?? "?"), \($0.old?.short ?? "-")..\($0.new?.short ?? "-")" }
        refusals = rows(total.refusals) { $0.reason ?? "refused" }
        recoveries = rows(total.recoveries) { event in
            (event.undoes.map { "undid #\($0): " } ?? "") + (event.reason ?? "") + " (\(event.status.rawValue))"
        }
        func note(listed: Int, of count: Int, seeAll: String) -> String? {
            guard listed < count else { return nil }
            return "The newest \(listed) of \(count) (git refuge report --limit N lists more; \(seeAll) lists them all)."
        }
        rewritesNote = note(listed: total.rewrites.count, of: total.rewriteTotals.count, seeAll: "git refuge log --forced")
        unconfirmedNote = note(listed: total.unconfirmedPushes.count, of: total.unconfirmedCount,
                               seeAll: "git refuge log --side client")
        refusalsNote = note(listed: total.refusals.count, of: total.refusalCount, seeAll: "git refuge log")
        recoveriesNote = note(listed: total.recoveries.count, of: total.recoveryCount, seeAll: "git refuge log")
        integrity = report.integrity.detail
        integrityChecked = report.integrity.checked
        multiRepository = multi
        func row(_ section: AuditReport.Section) -> RepositoryRow {
            let figures = section.headline
            return RepositoryRow(repository: section.repository, updates: figures.updates, rewrites: figures.rewrites,
                                 stillLost: figures.stillLost, lostChains: figures.lostChains)
        }
        repositoryRows = report.repositories.map(row)
        multiServer = !report.servers.isEmpty
        serverRows = report.servers.map(row)

        // Chart: one bar per day, all updates in grey, forced updates and deletions in red on top of them.
        let days = total.timeline
        timelineDays = days.count
        hasTimeline = !days.isEmpty
        let peak = max(days.map(\.updates).max() ?? 0, 1)
        chartMax = peak
        let slot = Self.chartWidth / Double(max(days.count, 1))
        let barWidth = min(max(slot * 0.8, 1), 48)  // a few days: narrow bars, not one slab
        func y(_ count: Int) -> Double { Self.chartTop + Self.chartHeight * (1 - Double(count) / Double(peak)) }
        func number(_ value: Double) -> String { String(format: "%.2f", value) }
        bars = days.enumerated().map { index, day in
            let rewrites = day.forced + day.deletions
            return Bar(
                x: number(Double(index) * slot + (slot - barWidth) / 2), width: number(barWidth),
                totalY: number(y(day.updates)), totalHeight: number(Self.chartTop + Self.chartHeight - y(day.updates)),
                rewriteY: number(y(rewrites)), rewriteHeight: number(Self.chartTop + Self.chartHeight - y(rewrites)),
                title: "\(day.date): \(day.updates) update(s), \(day.forced) forced, \(day.deletions) deletion(s)")
        }
        var labels: [AxisLabel] = []
        for index in Set([0, days.count / 2, days.count - 1]).sorted() where index >= 0 && index < days.count {
            let anchor = index == 0 ? "start" : (index == days.count - 1 ? "end" : "middle")
            let x = index == 0 ? 0 : (index == days.count - 1 ? Self.chartWidth : Double(index) * slot + slot / 2)
            labels.append(AxisLabel(x: number(x), text: days[index].date, anchor: anchor))
        }
        axisLabels = labels
    }
}
