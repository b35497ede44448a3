import Foundation
import GitKit
import PGKit

/// What the newest rewrites of a repository dropped, and what became of those commits, sent with a ship:
/// the central store holds events, not commits, so the source says what it sees (`report --central` and
/// `show --central` read it, "as of the last ship").
///
/// Only for the repositories a ship sent new events of (a recovery, a push that brings a commit back: each
/// is an event), and only the newest rewrites a report lists by default, so that the cost is one walk of
/// each such repository's live history per ship, not one per event.
struct DroppedCommitShipping {
    let store: AuditStore
    let connection: Connection
    /// The source's integer key in the central store.
    let sourceKey: Int64

    /// Refreshes the dropped commits of the newest rewrites of every repository in `touched` (paths as
    /// the log records them). A repository that cannot be opened here is left as the central store has it.
    func refresh(touched: Set<String>, now: Date = Date()) throws {
        guard !touched.isEmpty else { return }
        for name in try store.repositories() {
            let paths = Set(try store.paths(sharingIdentityWith: name) + [name])
            guard !paths.isDisjoint(with: touched), let repository = try? Repository.open(at: name) else { continue }
            let rewrites = try store.newestRewrites(EventFilter(repository: name), limit: ReportScope.defaultListLimit)
            guard !rewrites.isEmpty else { continue }
            let explainer = try RewriteExplainer(repository: repository, path: name, store: store, rewrites: rewrites)
            var text = ""
            for rewrite in try rewrites.map(explainer.explain) {
                guard let seq = rewrite.event.id else { continue }
                for (position, dropped) in (rewrite.dropped ?? []).enumerated() {
                    let commit = dropped.commit
                    let fields: [String?] = [
                        String(sourceKey), String(seq), String(position), commit.id.hex, commit.authorName, commit.authorEmail,
                        Timestamp.iso(commit.authorTime), commit.summary, dropped.state.rawValue, dropped.recoveredBy.map(String.init),
                        Timestamp.iso(now),
                    ]
                    text += fields.map(Connection.copyField).joined(separator: "\t") + "\n"
                }
            }
            let seqs = "{" + rewrites.compactMap { $0.id.map(String.init) }.joined(separator: ",") + "}"
            try connection.transaction("sending what the rewrites of \(name) dropped") {
                try connection.execute("DELETE FROM dropped_commit WHERE source_key = $1::integer AND seq = ANY($2::bigint[])", [String(sourceKey), seqs],
                                       operation: "replacing what the rewrites of \(name) dropped")
                if !text.isEmpty {
                    // Through a temporary table: PostgreSQL refuses COPY FROM into a table with row-level
                    // security for every role it applies to (a shipping role).
                    try connection.execute("CREATE TEMPORARY TABLE IF NOT EXISTS shipping_dropped (LIKE dropped_commit) ON COMMIT DELETE ROWS",
                                           operation: "preparing what the rewrites of \(name) dropped")
                    try connection.copy(into: "shipping_dropped", columns: Self.columns, rows: text,
                                        operation: "sending what the rewrites of \(name) dropped")
                    try connection.execute("INSERT INTO dropped_commit SELECT * FROM shipping_dropped",
                                           operation: "storing what the rewrites of \(name) dropped")
                }
            }
        }
    }

    static let columns = ["source_key", "seq", "position", "commit", "author_name", "author_email", "author_time", "summary", "state",
                          "recovered_by", "observed_at"]
}
