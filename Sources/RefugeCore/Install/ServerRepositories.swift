import Foundation
import GitKit

/// Every bare repository under a root (a server's `/srv/git`, gitolite's `~/repositories`, a forge's
/// repository root), and Refuge installed into, removed from or inspected in each: `install --server
/// --repositories ROOT`, `uninstall --repositories ROOT`, `status --repositories ROOT`.
public struct ServerRepositories: Sendable {
    public let root: String
    /// The bare repositories found, sorted by path.
    public let paths: [String]

    /// The shared audit log `--repositories` gives repositories that name none.
    public static func defaultDatabase(root: String) -> String { "\(root)/.refuge/audit.db" }

    /// Walks `root`: a directory holding `HEAD`, `objects/` and `refs/` that libgit2 opens as bare is a
    /// repository, and the walk does not go into it; links are not followed (a loop, or a repository
    /// reached twice). A non-bare repository's `.git` is not a server's.
    public static func find(under root: String) throws -> ServerRepositories {
        let manager = FileManager.default
        let standardized = absolutePath(root)
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: standardized, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ServerRepositoriesError.notADirectory(root)
        }
        var found: [String] = []
        var pending = [standardized]
        while let directory = pending.popLast() {
            if Self.looksLikeGitDirectory(directory) {
                // One that cannot be opened (another account's, damaged) is listed too: its line says why.
                if (try? Repository.open(at: directory))?.isBare != false { found.append(directory) }
                continue
            }
            guard let names = try? manager.contentsOfDirectory(atPath: directory) else { continue }
            for name in names where name != ".refuge" {
                let path = "\(directory)/\(name)"
                var info = stat()
                guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { continue }
                pending.append(path)
            }
        }
        return ServerRepositories(root: standardized, paths: found.sorted())
    }

    /// `path` made absolute (from the working directory) and standardized: every path a repository's
    /// config or a report will hold is absolute (a relative `refuge.database` means one relative to each
    /// repository's git directory).
    public static func absolutePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let absolute = expanded.hasPrefix("/") ? expanded
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(expanded)
        return (absolute as NSString).standardizingPath
    }

    private static func looksLikeGitDirectory(_ path: String) -> Bool {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        return manager.fileExists(atPath: "\(path)/HEAD")
            && manager.fileExists(atPath: "\(path)/objects", isDirectory: &isDirectory) && isDirectory.boolValue
            && manager.fileExists(atPath: "\(path)/refs", isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// What `install --repositories` asks for, besides the hooks.
    public struct Options: Sendable {
        public var binaryPath: String
        /// The log for repositories that name none (`refuge.database`, set in each once).
        public var database: String
        /// A group to share the log and the spools with (`refuge.sharedDatabase`), nil for none.
        public var group: String?
        public var layout: HookLayout?
        public var policy = false
        public var allowForeignOwner = false

        public init(binaryPath: String, database: String, group: String? = nil, layout: HookLayout? = nil) {
            (self.binaryPath, self.database, self.group, self.layout) = (binaryPath, database, group, layout)
        }
    }

    /// One repository's outcome.
    public struct Outcome: Sendable {
        public let path: String
        public var layout: ResolvedHookLayout?
        public var changes: [HookInstaller.Change] = []
        /// The log it records into.
        public var database: String?
        /// Why nothing was done here (the others went on).
        public var failure: String?
        /// Uninstall: pins left in place.
        public var pins = 0
    }

    /// Installs the server hooks into every repository, each one's failure its own. The shared log is made
    /// first, so that every account in the group can write it.
    public func install(_ options: Options, environment: [String: String]) throws -> [Outcome] {
        let group = try options.group.map(Self.groupID(named:))
        if let group { try Self.prepareSharedDirectory(for: options.database, group: group) }
        return paths.map { path in
            var outcome = Outcome(path: path)
            do {
                let repository = try Repository.open(at: path)
                if try repository.localConfigString("refuge.database") == nil {
                    try repository.setConfig("refuge.database", to: options.database)
                }
                if group != nil { try repository.setConfig("refuge.sharedDatabase", to: "true") }
                let location = try AuditLocation.resolve(for: repository, environment: environment)
                let installer = HookInstaller(repository: repository)
                let installed = try installer.install(
                    role: .server, binaryPath: options.binaryPath, location: location, policy: options.policy,
                    allowForeignOwner: options.allowForeignOwner, layout: options.layout)
                (outcome.changes, outcome.layout) = (installed.changes, installed.layout)
                outcome.database = location.databasePath
                if let group {
                    let refuge = (location.spoolDirectory as NSString).deletingLastPathComponent
                    for directory in [refuge, location.spoolDirectory] { try Self.give(directory, to: group) }
                }
                // Known to the log from now on: a report of every repository drains this one too, even
                // before anything in it was ever recorded (SharedLogDrain).
                try AuditStore(location: location).register(repositoryPath: repository.auditIdentity)
            } catch {
                outcome.failure = "\(error)"
            }
            return outcome
        }
    }

    /// Removes the hooks from every repository (and gitolite's shared shims).
    public func uninstall() -> [Outcome] {
        paths.map { path in
            var outcome = Outcome(path: path)
            do {
                let repository = try Repository.open(at: path)
                let uninstalled = try HookInstaller(repository: repository).uninstall(sharedToo: true)
                (outcome.changes, outcome.pins) = (uninstalled.changes, uninstalled.pins)
            } catch {
                outcome.failure = "\(error)"
            }
            return outcome
        }
    }

    /// Whether each repository's server hooks are all in place.
    public struct Coverage: Sendable {
        public let path: String
        public let layout: HookLayout?
        /// Refuge's hooks installed here.
        public let installed: [GitHook]
        /// The server hooks the layout can run that are not installed (empty: covered).
        public let missing: [GitHook]
        public let problem: String?
        public var covered: Bool { problem == nil && missing.isEmpty }
    }

    public func coverage() -> [Coverage] {
        paths.map { path in
            do {
                let repository = try Repository.open(at: path)
                let installer = HookInstaller(repository: repository)
                let states = try installer.states()
                let missing = states.isEmpty ? GitHook.server  // the layout's shims cannot be found at all
                    : GitHook.server.filter { hook in states.contains { $0.hook == hook && !$0.installed } }
                let recorded = try repository.localConfigString(HookLayout.configKey).flatMap(HookLayout.init(rawValue:))
                return Coverage(path: path, layout: recorded, installed: states.filter(\.installed).map(\.hook),
                                missing: missing, problem: nil)
            } catch {
                return Coverage(path: path, layout: nil, installed: [], missing: GitHook.server, problem: "\(error)")
            }
        }
    }

    // MARK: Sharing

    static func groupID(named name: String) throws -> gid_t {
        guard let entry = getgrnam(name) else { throw ServerRepositoriesError.noSuchGroup(name) }
        return entry.pointee.gr_gid
    }

    /// The log's directory, setgid in the group, 2770: new files (the log, its -wal and -shm) take the group.
    static func prepareSharedDirectory(for database: String, group: gid_t) throws {
        let directory = (database as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try give(directory, to: group)
        chmod(directory, 0o2770)
        for file in [database, database + "-wal", database + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try give(file, to: group)
            chmod(file, 0o660)
        }
    }

    static func give(_ path: String, to group: gid_t) throws {
        guard chown(path, uid_t.max, group) == 0 else {
            throw ServerRepositoriesError.cannotShare(path: path, account: Identity.accountName(uid: geteuid()),
                                                      reason: String(cString: strerror(errno)))
        }
    }
}

public enum ServerRepositoriesError: Error, CustomStringConvertible {
    case notADirectory(String)
    case noSuchGroup(String)
    case cannotShare(path: String, account: String, reason: String)

    public var description: String {
        switch self {
        case .notADirectory(let root): return "\(root) is not a directory: give the directory that holds the repositories"
        case .noSuchGroup(let group): return "there is no group \(group): create it (groupadd \(group)) and add the accounts that push"
        case .cannotShare(let path, let account, let reason):
            return "cannot give \(path) to the group as \(account): \(reason); run as its owner or as root"
        }
    }
}

extension AuditStore {
    /// Makes the log know a repository before anything in it is recorded.
    func register(repositoryPath: String) throws {
        try write { db in try db.execute(sql: EventStorage.insertRepositorySQL, arguments: [repositoryPath]) }
    }
}
