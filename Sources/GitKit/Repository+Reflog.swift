internal import CLibgit2
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

    /// The values and times of `reference`'s reflog, newest first, as `reflog(of:)` gives them without the
    /// committer and message. Read from the reflog file itself (`logs/<ref>` in the common directory,
    /// `logs/HEAD` in the git directory), one line `<old> <new> <name> <<email>> <time> <tz>\t<message>`
    /// per entry: `git_reflog_read` allocates every entry's committer and message, and for a million
    /// entries that was half of a lost-commit scan. A line that does not parse is skipped (libgit2 would
    /// refuse the whole reflog).
    public func reflogMoves(of reference: String) throws -> [ReflogMove] {
        let directory = reference == "HEAD" ? gitDirectory : commonDirectory
        guard let contents = FileManager.default.contents(atPath: "\(directory)/logs/\(reference)") else { return [] }
        var moves: [ReflogMove] = []
        contents.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                if let move = Self.reflogMove(UnsafeBufferPointer(rebasing: bytes[start..<end])) { moves.append(move) }
                start = end + 1
            }
        }
        return moves.reversed()
    }

    /// One reflog line's values and time, or nil when it is not one.
    private static func reflogMove(_ line: UnsafeBufferPointer<UInt8>) -> ReflogMove? {
        let length = ObjectID.hexLength
        guard line.count > 2 * length + 2, line[length] == UInt8(ascii: " "), line[2 * length + 1] == UInt8(ascii: " "),
              let old = ObjectID.parse(hexDigits: UnsafeBufferPointer(rebasing: line[0..<length])),
              let new = ObjectID.parse(hexDigits: UnsafeBufferPointer(rebasing: line[(length + 1)..<(2 * length + 1)]))
        else { return nil }
        // The identity ends at the last `>` before the message; the time follows it.
        let identityEnd = line.firstIndex(of: UInt8(ascii: "\t")) ?? line.count
        guard let close = line[..<identityEnd].lastIndex(of: UInt8(ascii: ">")) else { return nil }
        var index = close + 1
        while index < identityEnd, line[index] == UInt8(ascii: " ") { index += 1 }
        var seconds: Int64 = 0
        var digits = 0
        while index < identityEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[index]), digits < 18 {
            seconds = seconds * 10 + Int64(line[index] - UInt8(ascii: "0"))
            index += 1
            digits += 1
        }
        guard digits > 0 else { return nil }
        return ReflogMove(old: old, new: new, time: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// Reads a reflog through libgit2, only when its file exists: libgit2's reader creates a missing one,
    /// and an empty reflog file changes what git does (`git reflog exists` turns true, and git then appends
    /// to it even with `core.logAllRefUpdates=false`). Reading must change nothing in the repository.
    private func readReflog<T>(of reference: String, _ copy: (OpaquePointer) -> T) throws -> [T] {
        let files = ["\(gitDirectory)/logs/\(reference)", "\(commonDirectory)/logs/\(reference)"]
        guard files.contains(where: { FileManager.default.fileExists(atPath: $0) }) else { return [] }
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
