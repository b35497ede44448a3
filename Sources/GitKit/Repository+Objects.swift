internal import CLibgit2
import Foundation

/// Where an object is stored, and since when: what `git gc` goes by when it prunes unreachable objects.
public struct ObjectStorage: Hashable, Sendable {
    public enum Place: Hashable, Sendable {
        case loose
        /// The pack file's path.
        case pack(String)
    }

    public let place: Place
    /// The loose file's or the pack's modification time.
    public let modified: Date
}

extension Repository {
    /// Every commit in the object database, loose and packed (alternates included), unreachable ones too:
    /// what `git fsck --unreachable` starts from. `progress` sees the number of objects examined so far.
    public func allCommitObjects(progress: ((Int) -> Void)? = nil) throws -> [ObjectID] {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, pointer), "opening the object database")
        defer { git_odb_free(odb) }
        final class Collector {
            var ids: [git_oid] = []
        }
        let collector = Collector()
        let unmanaged = Unmanaged.passUnretained(collector)
        try check(git_odb_foreach(odb, { oid, payload in
            guard let oid, let payload else { return 0 }
            Unmanaged<Collector>.fromOpaque(payload).takeUnretainedValue().ids.append(oid.pointee)
            return 0
        }, unmanaged.toOpaque()), "listing the object database")
        // A pack lists an object once per pack that holds it: examine each id once.
        var seen = Set<ObjectID>()
        var commits: [ObjectID] = []
        for (index, raw) in collector.ids.enumerated() {
            if index % 4_096 == 0 { progress?(index) }
            var oid = raw
            var size = 0
            var type = GIT_OBJECT_INVALID
            guard git_odb_read_header(&size, &type, odb, &oid) == 0 else {
                git_error_clear()
                continue
            }
            if type == GIT_OBJECT_COMMIT {
                let id = ObjectID(raw)
                if seen.insert(id).inserted { commits.append(id) }
            }
        }
        progress?(collector.ids.count)
        return commits
    }

    /// The parents of commit `id`.
    public func parents(of id: ObjectID) throws -> [ObjectID] {
        var oid = id.raw
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, pointer, &oid), "reading commit \(id.hex)")
        defer { git_commit_free(commit) }
        return (0..<git_commit_parentcount(commit)).compactMap { index in
            git_commit_parent_id(commit, index).map { ObjectID($0.pointee) }
        }
    }

    /// Whether `id` is a loose object or in which pack, and that file's modification time; nil if absent
    /// (or only in an alternate object store).
    public func storage(of id: ObjectID) -> ObjectStorage? {
        let objects = "\(commonDirectory)/objects"
        let loose = "\(objects)/\(id.hex.prefix(2))/\(id.hex.dropFirst(2))"
        if let modified = Self.modificationTime(loose) { return ObjectStorage(place: .loose, modified: modified) }
        for indexPath in packIndexPaths {
            // An object database holding just this pack answers "is it in there" from the pack's index.
            var odb: OpaquePointer?
            guard git_odb_new(&odb) == 0 else { git_error_clear(); continue }
            defer { git_odb_free(odb) }  // frees the backend with it
            var backend: OpaquePointer?
            guard git_odb_backend_one_pack(&backend, indexPath) == 0,
                  git_odb_add_backend(odb, backend, 1) == 0
            else {
                git_error_clear()  // an unreadable pack (or a backend libgit2 could not attach: it leaks, once)
                continue
            }
            var oid = id.raw
            if git_odb_exists(odb, &oid) == 1 {
                let pack = "\(indexPath.dropLast(4)).pack"
                return ObjectStorage(place: .pack(pack), modified: Self.modificationTime(pack) ?? Date())
            }
        }
        return nil
    }

    /// The index file of every pack in the repository's own object store, sorted.
    var packIndexPaths: [String] {
        let packs = "\(commonDirectory)/objects/pack"
        return ((try? FileManager.default.contentsOfDirectory(atPath: packs)) ?? [])
            .filter { $0.hasSuffix(".idx") }.sorted().map { "\(packs)/\($0)" }
    }

    static func modificationTime(_ path: String) -> Date? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
    }
}
