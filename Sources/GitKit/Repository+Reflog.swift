import CLibgit2
import Foundation

/// One line of a reference's reflog.
public struct ReflogEntry: Hashable, Sendable {
    public let old: ObjectID?
    public let new: ObjectID?
    public let committerName: String
    public let committerEmail: String
    public let time: Date
    public let message: String
}

extension Repository {
    /// The reflog of `reference`, newest entry first; empty when the reference keeps none.
    public func reflog(of reference: String) throws -> [ReflogEntry] {
        var log: OpaquePointer?
        try check(git_reflog_read(&log, pointer, reference), "reading the reflog of \(reference)")
        defer { git_reflog_free(log) }
        let count = git_reflog_entrycount(log)
        var entries: [ReflogEntry] = []
        entries.reserveCapacity(count)
        for index in 0..<count {
            guard let entry = git_reflog_entry_byindex(log, index) else { continue }
            let committer = git_reflog_entry_committer(entry)!.pointee
            entries.append(ReflogEntry(
                old: ObjectID.ifNonZero(git_reflog_entry_id_old(entry).pointee),
                new: ObjectID.ifNonZero(git_reflog_entry_id_new(entry).pointee),
                committerName: committer.name.map { String(cString: $0) } ?? "",
                committerEmail: committer.email.map { String(cString: $0) } ?? "",
                time: Date(timeIntervalSince1970: TimeInterval(committer.when.time)),
                message: git_reflog_entry_message(entry).map { String(cString: $0) } ?? ""))
        }
        return entries
    }
}
