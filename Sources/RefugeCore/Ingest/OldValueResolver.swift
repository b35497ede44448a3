import Foundation
import GitKit

/// The old value of an update git reported as zero although the ref existed (git 2.39 passes zero for
/// a ref it has not read: `branch -f`, `tag -f`, a fetch's forced update of a packed ref).
///
/// Two stages share the work, each where it is cheapest. The reference-transaction shim reads what it can
/// without starting a program: loose ref files (its `P` block), and for a deletion the packed lines (one
/// awk). What it could not read is resolved here, after the fact, from the reflog entry that wrote the new
/// value, the stale line packed-refs keeps, or the stale lines the shim kept before a deletion or
/// `pack-refs` removed them (`=packed`).
struct OldValueResolver {
    let repository: Repository
    let store: AuditStore
    /// `=packed` lines of every claimed file, per ref.
    let kept: [String: [ObjectID]]
    /// What this drain already recorded each ref becoming, ahead of the log.
    private var assigned: [String: RecordedValue] = [:]
    private var packedRefs: [Substring]?

    init(repository: Repository, store: AuditStore, kept: [String: [ObjectID]]) {
        self.repository = repository
        self.store = store
        self.kept = kept
    }

    /// What `ref` was last seen to become: by this drain, else by the log.
    func lastValue(of ref: String) throws -> RecordedValue {
        try assigned[ref] ?? store.lastRecordedValue(of: ref, repository: repository.auditIdentity)
    }

    /// Notes that an update of `ref` to `new` is being recorded.
    mutating func record(_ ref: String, becomes new: ObjectID?) {
        assigned[ref] = RecordedValue(after: new)
    }

    /// The old value of the update of `ref` to `new`; nil when nothing knows it (then it is a creation).
    /// A value can be written more than once (`reset` back to it): the reflog entry that follows the ref's
    /// last recorded value (`before`) is the one. A ref never recorded takes the oldest entry, as spool
    /// files are drained oldest first; failing both, the newest.
    mutating func resolve(_ ref: String, new: ObjectID, after before: RecordedValue) throws -> ObjectID? {
        let candidates = try repository.reflog(of: ref).filter { $0.new == new }  // newest first
        switch before {
        case .value(let value):
            if let entry = candidates.first(where: { $0.old == value }) { return entry.old }
        case .deleted:
            if let entry = candidates.first(where: { $0.old == nil }) { return entry.old }
        case .neverRecorded:
            if let entry = candidates.last { return entry.old }
        }
        if let entry = candidates.first { return entry.old }
        for line in packedLines() where line.hasSuffix(" \(ref)") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[1] == ref, let value = ObjectID(hex: fields[0]), value != new { return value }
        }
        return kept[ref]?.first { $0 != new }
    }

    /// packed-refs, read once per drain and only when a resolution needs it.
    private mutating func packedLines() -> [Substring] {
        if let packedRefs { return packedRefs }
        let text = (try? String(contentsOfFile: "\(repository.commonDirectory)/packed-refs", encoding: .utf8)) ?? ""
        packedRefs = text.split(separator: "\n")
        return packedRefs!
    }
}
