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

/// What one reflog entry did, without who or why: what a scan of every reflog needs.
public struct ReflogMove: Hashable, Sendable {
    public let old: ObjectID?
    public let new: ObjectID?
    public let time: Date
}

extension Repository {
    /// The reflog of `reference`, newest entry first; empty when the reference keeps none.
    public func reflog(of reference: String) throws -> [ReflogEntry] {
        try readReflog(of: reference) { entry in
            let committer = git_reflog_entry_committer(entry)!.pointee
            return ReflogEntry(
                old: ObjectID.ifNonZero(git_reflog_entry_id_old(entry).pointee),
                new: ObjectID.ifNonZero(git_reflog_entry_id_new(entry).pointee),
                committerName: committer.name.map { String(cString: $0) } ?? "",
                committerEmail: committer.email.map { String(cString: $0) } ?? "",
                time: Date(timeIntervalSince1970: TimeInterval(committer.when.time)),
                message: git_reflog_entry_message(entry).map { String(cString: $0) } ?? "")
        }
    }

    /// The values and times of `reference`'s reflog, newest first: no strings copied out, which was most
    /// of the cost of reading a million entries.
    public func reflogMoves(of reference: String) throws -> [ReflogMove] {
        try readReflog(of: reference) { entry in
            ReflogMove(
                old: ObjectID.ifNonZero(git_reflog_entry_id_old(entry).pointee),
                new: ObjectID.ifNonZero(git_reflog_entry_id_new(entry).pointee),
                time: Date(timeIntervalSince1970: TimeInterval(git_reflog_entry_committer(entry)!.pointee.when.time)))
        }
    }

    private func readReflog<T>(of reference: String, _ copy: (OpaquePointer) -> T) throws -> [T] {
        var log: OpaquePointer?
        try check(git_reflog_read(&log, pointer, reference), "reading the reflog of \(reference)")
        defer { git_reflog_free(log) }
        let count = git_reflog_entrycount(log)
        var entries: [T] = []
        entries.reserveCapacity(count)
        for index in 0..<count {
            guard let entry = git_reflog_entry_byindex(log, index) else { continue }
            entries.append(copy(entry))
        }
        return entries
    }
}

extension Repository {
    /// The refs that have a reflog in this repository's common directory (deleted branches have none:
    /// git removes a branch's reflog with it), plus `HEAD`.
    public func reflogReferenceNames() -> [String] {
        var names: [String] = []
        let logs = "\(commonDirectory)/logs"
        if let enumerator = FileManager.default.enumerator(atPath: "\(logs)/refs") {
            while let relative = enumerator.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: "\(logs)/refs/\(relative)", isDirectory: &isDirectory), !isDirectory.boolValue {
                    names.append("refs/\(relative)")
                }
            }
        }
        return ["HEAD"] + names.sorted()
    }

    /// The git directories of this repository's linked worktrees (each has its own HEAD and HEAD reflog).
    public func linkedWorktreeDirectories() -> [String] {
        let base = "\(commonDirectory)/worktrees"
        return ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted().map { "\(base)/\($0)" }
    }
}
