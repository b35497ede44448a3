import Foundation
import GitKit

extension AuditReport {
    /// "Alice's force push at 14:02 dropped 2 of Bob's commits, still lost": one forced update on a server,
    /// one person whose pushed commits it dropped (the report's "work dropped from people who pushed it").
    public struct DroppedWork: Sendable {
        /// The forced update or deletion.
        public let event: AuditEvent
        /// Who had pushed the dropped commits (an earlier accepted push's pusher).
        public let pushedBy: String
        /// Their commits it dropped, each in its state now (as the rewrite's listing says).
        public let commits: [DroppedState]

        /// "still lost", or "1 still lost, 1 recovered": lost and pinned commits are still lost from the
        /// branch (a pin keeps them for `recover`, not in anyone's history).
        public var stateSummary: String {
            var counts: [(String, Int)] = []
            func add(_ name: String, _ count: Int) { if count > 0 { counts.append((name, count)) } }
            add("still lost", commits.filter { $0.state == .lost || $0.state == .pinned }.count)
            add("recovered", commits.filter { $0.state == .recovered }.count)
            add("reachable again", commits.filter { $0.state == .reachable }.count)
            add("rewritten", commits.filter { $0.state == .rewritten }.count)
            if counts.count == 1 { return counts[0].0 == "still lost" || commits.count == 1 ? counts[0].0 : "all \(counts[0].0)" }
            return counts.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
        }

        /// The sentence the report prints.
        public var sentence: String {
            let who = event.pusher.map { "\($0)'s" } ?? "an unknown pusher's"
            let what = event.kind == .delete ? "deletion of" : "force push of"
            let ref = event.ref.replacingOccurrences(of: "refs/heads/", with: "")
            return "\(who) \(what) \(ref) at \(Timestamp.short(event.time)) (#\(event.id ?? 0)) dropped "
                + "\(commits.count) of \(pushedBy)'s commits, \(stateSummary)"
        }
    }
}

/// Whose pushed work a server's rewrites dropped: each dropped commit goes to the earliest earlier accepted
/// push of the same ref that brought it (its new value's history beyond its old value), and the pusher of
/// that push. A push whose tip the rewrite did not drop brought none of the dropped commits, so only pushes
/// of a dropped commit are walked. A pusher's own commits are not "dropped from" them: rewriting your own
/// pushed work is left out, as is work whose pusher is unknown.
struct DroppedWorkAttribution {
    let repository: Repository
    let store: AuditStore

    func attribute(_ rewrite: AuditReport.Rewrite) throws -> [AuditReport.DroppedWork] {
        let event = rewrite.event
        guard event.side == .server, let dropped = rewrite.dropped, !dropped.isEmpty, let id = event.id else { return [] }
        let droppedIDs = Set(dropped.map(\.commit.id))
        var filter = EventFilter(repository: event.repository)
        (filter.ref, filter.side, filter.statuses) = (event.ref, .server, [.accepted])
        let earlier = try store.events(filter).filter { ($0.id ?? .max) < id }.suffix(2_000)
        let hidden = try event.new.flatMap { try repository.peelToCommit($0) }.map { [$0] } ?? []
        // A creation brought only what no other ref had: the other refs as they are now stand in for then.
        var otherTips: [ObjectID]?
        var pusherOf: [ObjectID: String] = [:]
        for push in earlier {  // oldest first: the first push that brought a commit names its pusher
            guard let pusher = push.pusher, let new = push.new, let tip = try repository.peelToCommit(new) else { continue }
            // A push whose tip the rewrite's new value reaches brought none of the dropped commits.
            if !droppedIDs.contains(tip), try hidden.contains(where: { try repository.isAncestor(tip, of: $0) }) { continue }
            var before = try push.old.flatMap { repository.contains($0) ? try repository.peelToCommit($0) : nil }.map { [$0] } ?? []
            if push.old == nil {
                if otherTips == nil { otherTips = try UpdateClassifier(repository: repository).remainingTips(excluding: [event.ref]) }
                before = otherTips!
            }
            for commit in try repository.commitSet(reachableFrom: [tip], excluding: hidden + before)
            where droppedIDs.contains(commit) && pusherOf[commit] == nil {
                pusherOf[commit] = pusher
            }
        }
        var byPusher: [String: [AuditReport.DroppedState]] = [:]
        // Work that is still there (another ref has it, or a copy is live) was not taken from anyone.
        for state in dropped where [.lost, .pinned, .recovered].contains(state.state) {
            guard let pusher = pusherOf[state.commit.id], pusher != event.pusher else { continue }
            byPusher[pusher, default: []].append(state)
        }
        return byPusher.keys.sorted().map { AuditReport.DroppedWork(event: event, pushedBy: $0, commits: byPusher[$0]!) }
    }
}
