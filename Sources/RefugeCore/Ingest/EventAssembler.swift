import Foundation
import GitKit

/// Turns one git process's hook records into audit events, ready to append.
///
/// What each hook saw is matched against the others first: receive-pack's own ref writes are the
/// post-receive lines again (recorded once, as the server's), and git's update of a remote-tracking ref
/// after a push confirms that push instead of being a local update of its own. Each local update's
/// unknown old value is resolved (`OldValueResolver`), then every update is classified by ancestry.
struct EventAssembler {
    let repository: Repository
    let events: HookEvents
    /// When a block was written: its uptime stamp, else the spool file's time.
    let time: (Double?) -> Date

    init(repository: Repository, gitProcess: Int64, owner: uid_t, time: @escaping (Double?) -> Date) {
        self.repository = repository
        events = HookEvents(repository: repository, classifier: UpdateClassifier(repository: repository),
                            gitProcess: gitProcess, owner: owner)
        self.time = time
    }

    /// A ref and the value an update gave it: how receive-pack's writes are matched to post-receive's lines.
    private struct RefValue: Hashable {
        let ref: String
        let new: ObjectID?
    }

    func assemble(_ records: HookRecords, resolver: inout OldValueResolver, warnings: inout [String]) throws -> [AuditEvent] {
        var assembled: [AuditEvent] = []
        var accepted: Set<RefValue> = []
        var expectedTracking: [String: [Int]] = [:]  // remote-tracking ref → indexes of the pushes that expect it
        for record in records.records {
            switch record {
            case .accepted(let uptime, let input, let metadata):
                let new = events.accepted(input, metadata: metadata, time: time(uptime), warnings: &warnings)
                accepted.formUnion(new.map { RefValue(ref: $0.ref, new: $0.new) })
                assembled += new
            case .push(let uptime, let input, let metadata):
                for pushed in events.pushed(input, metadata: metadata, time: time(uptime), warnings: &warnings) {
                    if let tracking = pushed.trackingRef { expectedTracking[tracking, default: []].append(assembled.count) }
                    assembled.append(pushed.event)
                }
            case .rejected(let uptime, let input, let metadata):
                assembled += events.rejected(input, metadata: metadata, time: time(uptime), warnings: &warnings)
            case .prepared, .committed:
                continue
            }
        }
        var batches: [Int: String] = [:]
        for var spooled in records.updates() {
            let ref = spooled.update.ref
            if spooled.oldNeedsResolution, let new = spooled.update.new {
                let before = try resolver.lastValue(of: ref)
                if before == .value(new) { continue }  // `branch -f X` to the value X already had
                spooled.update = RefUpdate(creatingOrMoving: ref, from: try resolver.resolve(ref, new: new, after: before), to: new)
            }
            resolver.record(ref, becomes: spooled.update.new)
            let update = spooled.update
            if accepted.contains(RefValue(ref: update.ref, new: update.new)) { continue }
            if let index = expectedTracking[ref]?.first(where: { assembled[$0].new == update.new }) {
                assembled[index].status = .confirmed  // git updated the tracking ref: the server took it
                continue
            }
            let classification = events.classify(update, warnings: &warnings)
            let batch = batches[spooled.transaction] ?? UUID().uuidString
            batches[spooled.transaction] = batch
            assembled.append(AuditEvent(
                time: time(spooled.uptime), side: .local, source: .hook(spooled.hook),
                repository: repository.auditIdentity, update: update, kind: classification.kind,
                dropped: classification.dropped, status: .done, batch: batch,
                pusher: Identity.localPusher(repository: repository, uid: events.owner), processID: events.gitProcess,
                reason: spooled.consumed ? AuditEvent.stashApplied : nil))
        }
        return assembled
    }
}
