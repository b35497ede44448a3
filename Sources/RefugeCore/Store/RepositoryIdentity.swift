import Foundation
import GitKit
import GRDB

/// A repository's stable identity: a UUID kept in `<common dir>/refuge/repository-id`, made the first time
/// Refuge opens the repository's log. It travels with the repository (a move, a rename, `cp -a`, a restore
/// from backup to another path), so that the history the log holds under the old path stays the
/// repository's. Events keep the path they were recorded at (the hash chain covers it); the `repository`
/// table maps each path to its identity (migration v9), and every query of "this repository" reads the
/// events of all the paths that share its identity.
///
/// A copy next to its original claims the same identity: `doctor` names the two paths, and
/// `git refuge identity --new` gives the copy an identity of its own (its events from then on are its own).
public enum RepositoryIdentity {
    static func file(of repository: Repository) -> String {
        "\(repository.commonDirectory)/refuge/repository-id"
    }

    /// The identity written in `repository`, if any (nothing is created).
    public static func read(_ repository: Repository) -> String? {
        read(file: file(of: repository))
    }

    static func read(file: String) -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        // A UUID, or 32 hex digits: the provisional identity the log gives a path it sees first
        // (EventStorage.insertRepositorySQL), which the repository may have adopted.
        let hex = value.count == 32 && value.allSatisfy { $0.isHexDigit }
        return UUID(uuidString: value) != nil || hex ? value : nil
    }

    /// The identity of `repository`, recorded in the log for its path: the one written in the repository;
    /// else the one the log gave its path (migration v9 gave every path it knew one); else a new one.
    @discardableResult
    public static func establish(_ repository: Repository, store: AuditStore) throws -> String {
        let path = repository.auditIdentity
        let identity: String
        if let known = read(repository) {
            identity = known
        } else {
            identity = try write(try store.identity(ofPath: path) ?? UUID().uuidString.lowercased(), to: repository,
                                 location: store.location)
        }
        try store.register(path: path, identity: identity)
        return identity
    }

    /// A new identity for `repository` (a copy that still shares its original's), recorded for its path.
    public static func renew(_ repository: Repository, store: AuditStore) throws -> String {
        let identity = try write(UUID().uuidString.lowercased(), to: repository, location: store.location)
        try store.register(path: repository.auditIdentity, identity: identity)
        return identity
    }

    private static func write(_ identity: String, to repository: Repository, location: AuditLocation) throws -> String {
        try location.prepareRepositoryDirectories()
        let path = file(of: repository)
        do {
            try (identity + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw AuditStoreError.cannotWrite(path: path, reason: "cannot record the repository's identity: \(error.localizedDescription)")
        }
        chmod(path, location.shared ? 0o660 : 0o600)
        return identity
    }
}

extension AuditStore {
    /// Records that `path` is the repository `identity` (before a drain appends its events): a moved or
    /// restored repository's new path joins the history of its old one. Writes only when something changed.
    public func register(path: String, identity: String) throws {
        let known = try read { db in
            try String?.fetchOne(db, sql: "SELECT identity FROM repository WHERE path = ?", arguments: [path])
        }
        if known == .some(identity) { return }
        try write { db in
            try db.execute(sql: EventStorage.insertRepositorySQL, arguments: [path])
            try db.execute(sql: "UPDATE repository SET identity = ? WHERE path = ?", arguments: [identity, path])
        }
    }

    /// The identity the log holds for `path`, if any.
    func identity(ofPath path: String) throws -> String? {
        try read { db in
            try String?.fetchOne(db, sql: "SELECT identity FROM repository WHERE path = ?", arguments: [path]) ?? nil
        }
    }

    /// Every path recorded for the repository at `path` (its identity's), `path` first.
    public func paths(sharingIdentityWith path: String) throws -> [String] {
        let others = try read { db in
            try String.fetchAll(db, sql: """
                SELECT path FROM repository WHERE id IN \(EventStorage.repositoryIDsSQL) AND path != ? ORDER BY id
                """, arguments: [path, path])
        }
        return [path] + others
    }
}

extension Doctor {
    /// Two repositories that exist now and claim the same identity (a copy next to its original): the log
    /// would mix their histories.
    static func identity(_ repository: Repository, location: AuditLocation) -> [Finding] {
        guard let identity = RepositoryIdentity.read(repository) else {
            return [Finding(severity: .note, area: "identity", what: "this repository has no identity yet",
                            fix: "the next git refuge command gives it one")]
        }
        guard FileManager.default.fileExists(atPath: location.databasePath),
              let store = try? AuditStore(location: location, readOnly: true),
              let paths = try? store.paths(sharingIdentityWith: repository.auditIdentity)
        else {
            return [Finding(severity: .ok, area: "identity", what: "repository \(identity)", fix: nil)]
        }
        let claimants = paths.dropFirst().filter { path in
            guard path != repository.auditIdentity, let other = try? Repository.open(at: path) else { return false }
            return (other.auditIdentity as NSString).standardizingPath != repository.auditIdentity
                && RepositoryIdentity.read(other) == identity
        }
        if claimants.isEmpty {
            let moved = paths.dropFirst()
            return [Finding(severity: .ok, area: "identity", what: "repository \(identity)"
                + (moved.isEmpty ? "" : ", recorded before at \(moved.joined(separator: ", "))"), fix: nil)]
        }
        return [Finding(severity: .error, area: "identity",
                        what: "\(claimants.joined(separator: ", ")) claims this repository's identity \(identity) too (a copy?): "
                            + "the log mixes the two histories",
                        fix: "in the copy, run git refuge identity --new (its history from then on is its own)")]
    }
}
