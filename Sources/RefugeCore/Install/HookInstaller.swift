import Foundation
import GitKit

/// Installs, removes and inspects Refuge's hooks in one repository.
public struct HookInstaller {
    public enum Role: String, Sendable { case client, server }

    static let marker = "# refuge-hook: "
    /// Where a hook that was there before Refuge is kept: `<hooks>/refuge-chained/<hook>`, under its own
    /// name, so that a hook dispatching on `basename $0` (Gitea's and GitLab's generated hooks run
    /// `hooks/<name>.d/*`) still finds its name. The shims run it from there.
    static let chainedDirectory = "refuge-chained"
    /// Where Refuge kept chained hooks before (`<hook>.refuge-chained`): install moves them.
    static let legacyChainedSuffix = ".refuge-chained"
    /// Set when install turned on `core.logAllRefUpdates`, so that uninstall turns off only what it turned on.
    static let logAllRefUpdatesKey = "refuge.installedLogAllRefUpdates"

    let repository: Repository

    public init(repository: Repository) {
        self.repository = repository
    }

    /// Where git looks for hooks: `core.hooksPath` (relative to the work tree, or to the git dir when
    /// bare, as git resolves it), else `<common git dir>/hooks`.
    public func hooksDirectory() throws -> String {
        guard let configured = try repository.configString("core.hooksPath"), !configured.isEmpty else {
            return "\(repository.commonDirectory)/hooks"
        }
        let expanded = (configured as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        let base = repository.workingDirectory ?? repository.gitDirectory
        return ((base as NSString).appendingPathComponent(expanded) as NSString).standardizingPath
    }

    public func defaultRole() -> Role { repository.isBare ? .server : .client }

    public struct Change: Sendable, Equatable {
        public let hook: GitHook
        public let path: String
        /// Installed: the hook that was there before, kept and still run by Refuge's shim. Removed: the
        /// hook given its place back.
        public let chained: String?
        /// Whether the shim was removed (uninstall, or a policy hook no configuration asks for any more).
        public var removed = false
        /// Whether a Refuge shim was there already (a re-install rewrites it).
        public var wasInstalled = false
        /// The layout's manager never runs this hook: not installed.
        public var unsupported = false
        /// Removed because this layout puts the hook elsewhere (a shim left from another layout).
        public var superseded = false
    }

    /// The layout install uses: `forced`, else what the repository's hooks look like now.
    public func layout(forced: HookLayout? = nil) throws -> ResolvedHookLayout {
        try ResolvedHookLayout.resolve(repository, hooksDirectory: try hooksDirectory(), forced: forced)
    }

    /// The layout the installed hooks are in: recorded by install, else found out now.
    public func installedLayout() throws -> ResolvedHookLayout {
        try ResolvedHookLayout.installed(repository, hooksDirectory: try hooksDirectory())
    }

    /// Installs the role's hooks where the layout's manager runs them (HookLayout). Re-running rewrites
    /// Refuge's own shims (say, with a moved binary) and never chains a Refuge shim to itself.
    /// - Parameter policy: also install pre-receive (server policy); it is installed anyway on a server
    ///   where `refuge.protect` is set.
    /// - Parameter allowForeignOwner: install even when another account owns the hooks directory. Refused
    ///   by default: that account's git would run the shims (and, the other way round, hooks it wrote there
    ///   would be chained and run by yours).
    /// - Returns: the layout, what changed, and the hooks the layout's manager never runs (not installed).
    public func install(role: Role, binaryPath: String, location: AuditLocation, policy: Bool = false,
                        allowForeignOwner: Bool = false, layout forced: HookLayout? = nil) throws -> Installed {
        let layout = try layout(forced: forced)
        let directory = layout.hooksDirectory
        if !allowForeignOwner, let owner = Self.owner(of: directory), owner != geteuid() {
            throw InstallError.foreignOwner(directory: directory, owner: Identity.accountName(uid: owner))
        }
        try location.prepareRepositoryDirectories()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var hooks = role == .server ? GitHook.server : GitHook.client
        if role == .server, try policy || !repository.configStrings("refuge.protect").isEmpty {
            hooks.insert(.preReceive, at: 0)
        }
        var changes: [Change] = []
        for hook in hooks {
            guard let placement = layout.placement(of: hook) else {
                changes.append(Change(hook: hook, path: "", chained: nil, unsupported: true))
                changes += try removeElsewhere(hook, keeping: nil, layout: layout)
                continue
            }
            changes.append(try install(placement, binaryPath: binaryPath))
            changes += try removeElsewhere(hook, keeping: placement, layout: layout)
        }
        // A policy hook that nothing asks for any more (`refuge.protect` unset, no --policy) goes: it would
        // start a program on every push to enforce nothing.
        if role == .server, !hooks.contains(.preReceive), let placement = layout.placement(of: .preReceive),
           let removed = try Self.remove(placement, sharedToo: false) {
            changes.append(removed)
        }
        try repository.setConfig(HookLayout.configKey, to: layout.layout.rawValue)
        // Pins are Refuge's bookkeeping: no fetch, clone, ls-remote or push sees or touches them.
        try repository.addConfigValue("transfer.hideRefs", RefugeRefs.root)
        if role == .server, try repository.localConfigString("core.logAllRefUpdates") == nil {
            // Bare repositories keep no reflog by default; recovery reads them. `always` includes tags.
            try repository.setConfig("core.logAllRefUpdates", to: "always")
            try repository.setConfig(Self.logAllRefUpdatesKey, to: "true")
        }
        return Installed(layout: layout, changes: changes)
    }

    public struct Installed: Sendable {
        public let layout: ResolvedHookLayout
        public let changes: [Change]
    }

    /// Writes one hook's shim where its placement says, keeping what was there.
    private func install(_ placement: HookPlacement, binaryPath: String) throws -> Change {
        let hook = placement.hook, path = placement.path
        let directory = (path as NSString).deletingLastPathComponent
        switch placement.kind {
        case .dispatched:
            // A file of Refuge's own among the manager's: nothing to chain, the manager runs both.
            if FileManager.default.fileExists(atPath: path), !Self.isRefugeShim(at: path) {
                throw InstallError.slotTaken(path: path)
            }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let wasInstalled = Self.isRefugeShim(at: path)
            try Self.writeShim(hook, to: path, binaryPath: binaryPath)
            return Change(hook: hook, path: path, chained: nil, wasInstalled: wasInstalled)
        case .slot, .linked:
            // gitolite's shared shim slot must be free (or Refuge's) before anything here moves.
            if case .linked(let shim) = placement.kind, FileManager.default.fileExists(atPath: shim), !Self.isRefugeShim(at: shim) {
                throw InstallError.slotTaken(path: shim)
            }
            let chainedPath = Self.chainedPath(hook, in: directory)
            try Self.moveLegacyChainedHook(hook, in: directory)
            var chained: String? = FileManager.default.fileExists(atPath: chainedPath) ? chainedPath : nil
            let link = try? FileManager.default.destinationOfSymbolicLink(atPath: path)
            let wasInstalled = Self.isRefuge(placement)
            if (FileManager.default.fileExists(atPath: path) || link != nil), !wasInstalled {
                if chained != nil {
                    throw InstallError.chainSlotTaken(hook: path, chained: chainedPath)
                }
                try Self.makeChainedDirectory(in: directory)
                try Self.move(path, to: chainedPath)
                chained = chainedPath
            }
            if chained != nil { Self.linkDispatchDirectory(hook, in: directory) }
            if case .linked(let shim) = placement.kind {
                // gitolite's LOCAL_CODE/hooks/common: one shim for every repository, linked into this one
                // exactly as `gitolite setup` links it (so that its next run changes nothing).
                try FileManager.default.createDirectory(atPath: (shim as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try Self.writeShim(hook, to: shim, binaryPath: binaryPath)
                if link != shim {
                    unlink(path)
                    guard symlink(shim, path) == 0 else {
                        throw InstallError.cannotMove(from: shim, to: path, reason: String(cString: strerror(errno)))
                    }
                }
            } else {
                try Self.writeShim(hook, to: path, binaryPath: binaryPath)
            }
            return Change(hook: hook, path: path, chained: chained, wasInstalled: wasInstalled)
        }
    }

    /// Whether Refuge's shim is at a placement: a gitolite slot also when it links to the shared shim
    /// that another repository's uninstall already removed.
    static func isRefuge(_ placement: HookPlacement) -> Bool {
        if case .linked(let shim) = placement.kind,
           (try? FileManager.default.destinationOfSymbolicLink(atPath: placement.path)) == shim { return true }
        return isRefugeShim(at: placement.path)
    }

    /// Removes Refuge's shims of `hook` from every place another layout would have put them (a forge
    /// installed after Refuge, or `--layout` changed): two shims would record each update twice.
    private func removeElsewhere(_ hook: GitHook, keeping kept: HookPlacement?, layout: ResolvedHookLayout) throws -> [Change] {
        try layout.alternatives(of: hook).compactMap { placement in
            guard placement.path != kept?.path, var change = try Self.remove(placement, sharedToo: false) else { return nil }
            change.superseded = true
            return change
        }
    }

    /// Removes Refuge's shim of a placement, giving a chained hook its place back; nil when none is
    /// installed. A gitolite shim shared by every repository goes only when `sharedToo`.
    private static func remove(_ placement: HookPlacement, sharedToo: Bool) throws -> Change? {
        let hook = placement.hook, path = placement.path
        let directory = (path as NSString).deletingLastPathComponent
        guard isRefuge(placement) else { return nil }
        if placement.kind == .dispatched {
            try FileManager.default.removeItem(atPath: path)
            rmdir(directory)  // only when empty: a manager's own .d directory keeps its files
            return Change(hook: hook, path: path, chained: nil, removed: true, wasInstalled: true)
        }
        try moveLegacyChainedHook(hook, in: directory)  // before the shim goes: a refusal leaves both
        try FileManager.default.removeItem(atPath: path)
        if case .linked(let shim) = placement.kind, sharedToo, isRefugeShim(at: shim) {
            try FileManager.default.removeItem(atPath: shim)
        }
        let chainedPath = self.chainedPath(hook, in: directory)
        var restored: String?
        if FileManager.default.fileExists(atPath: chainedPath) {
            try move(chainedPath, to: path)
            restored = path
        }
        let link = "\(directory)/\(chainedDirectory)/\(hook.rawValue).d"
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) != nil { unlink(link) }
        return Change(hook: hook, path: path, chained: restored, removed: true, wasInstalled: true)
    }

    /// What uninstall did, and what it leaves on purpose.
    public struct Uninstalled: Sendable {
        public let changes: [Change]
        /// Pins left in place: what they keep stays safe until someone decides otherwise.
        public let pins: Int
        /// `transfer.hideRefs refs/refuge` stays while pins do (they must stay hidden from clients).
        public let hideRefsKept: Bool
    }

    /// Removes Refuge's shims, gives chained hooks their place back, and undoes install's config. The
    /// audit log and the pins stay (and so does `transfer.hideRefs` while pins do).
    /// - Parameter sharedToo: also remove the shims gitolite links into every repository (uninstall
    ///   `--repositories`); else they stay for the other repositories.
    public func uninstall(sharedToo: Bool = false) throws -> Uninstalled {
        let layout = try installedLayout()
        let directory = layout.hooksDirectory
        var changes: [Change] = []
        for hook in GitHook.allCases {
            let placement = layout.placement(of: hook)
            if let placement, let change = try Self.remove(placement, sharedToo: sharedToo) { changes.append(change) }
            changes += try removeElsewhere(hook, keeping: placement, layout: layout)
        }
        rmdir("\(directory)/\(Self.chainedDirectory)")  // only when empty: anything else in it stays
        try? repository.unsetConfig(HookLayout.configKey)
        // Pins that remain stay hidden; without any, the config is as it was.
        let pins = try repository.references(under: RefugeRefs.kept).count
        if pins == 0 {
            try repository.removeConfigValue("transfer.hideRefs", RefugeRefs.root)
        }
        if try repository.localConfigString(Self.logAllRefUpdatesKey) != nil {
            try repository.unsetConfig("core.logAllRefUpdates")
            try repository.unsetConfig(Self.logAllRefUpdatesKey)
        }
        return Uninstalled(changes: changes, pins: pins, hideRefsKept: pins > 0)
    }

    public struct HookState: Sendable, Equatable {
        public let hook: GitHook
        public let path: String
        public let installed: Bool
        public let executable: Bool
        /// The binary the shim runs, and whether it exists (nil for the shims that start none:
        /// reference-transaction, post-receive, post-checkout).
        public let binary: String?
        public let binaryExists: Bool?
        public let chained: String?
    }

    /// Each hook the installed layout can run, where that layout puts it.
    public func states() throws -> [HookState] {
        let layout = try installedLayout()
        let directory = layout.hooksDirectory
        return GitHook.allCases.compactMap { hook in
            guard let placement = layout.placement(of: hook) else { return nil }
            let path = placement.path
            let installed = Self.isRefugeShim(at: path)
            let binary = installed ? Self.binary(inShimAt: path) : nil
            let chainedPath = Self.chainedPath(hook, in: directory)
            let legacy = path + Self.legacyChainedSuffix
            return HookState(
                hook: hook, path: path, installed: installed,
                executable: FileManager.default.isExecutableFile(atPath: path),
                binary: binary, binaryExists: binary.map { Self.binaryExists($0) },
                chained: FileManager.default.fileExists(atPath: chainedPath) ? chainedPath
                    : FileManager.default.fileExists(atPath: legacy) ? legacy : nil)
        }
    }

    // MARK: Chained hooks

    static func chainedPath(_ hook: GitHook, in directory: String) -> String {
        "\(directory)/\(chainedDirectory)/\(hook.rawValue)"
    }

    private static func makeChainedDirectory(in directory: String) throws {
        let path = "\(directory)/\(chainedDirectory)"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw InstallError.cannotMove(from: directory, to: path, reason: error.localizedDescription)
        }
    }

    /// A hook chained by an earlier Refuge (`<hook>.refuge-chained`) goes to where the shims now look.
    private static func moveLegacyChainedHook(_ hook: GitHook, in directory: String) throws {
        let legacy = "\(directory)/\(hook.rawValue)\(legacyChainedSuffix)"
        guard FileManager.default.fileExists(atPath: legacy) else { return }
        let chained = chainedPath(hook, in: directory)
        if FileManager.default.fileExists(atPath: chained) {
            throw InstallError.chainSlotTaken(hook: legacy, chained: chained)
        }
        try makeChainedDirectory(in: directory)
        try move(legacy, to: chained)
    }

    /// A hook that finds its helpers next to itself (`$(dirname $0)/<hook>.d`) would look in refuge-chained/:
    /// a link there leads it to the hooks directory's `<hook>.d`. Made only when that directory exists.
    private static func linkDispatchDirectory(_ hook: GitHook, in directory: String) {
        let target = "\(directory)/\(hook.rawValue).d"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory), isDirectory.boolValue else { return }
        let link = "\(directory)/\(chainedDirectory)/\(hook.rawValue).d"
        if FileManager.default.fileExists(atPath: link) { return }
        symlink("../\(hook.rawValue).d", link)
    }

    // MARK: Files

    static func isRefugeShim(at path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = String(decoding: handle.readData(ofLength: 256), as: UTF8.self)
        return head.contains(marker)
    }

    /// The shim text for `hook`, with the absolute path of this binary as the default `REFUGE_BIN`,
    /// single-quoted for sh (a quote inside the path becomes '\'').
    static func shimText(_ hook: GitHook, binaryPath: String) -> String {
        let quoted = "'" + binaryPath.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        return HookScripts.text(for: hook).replacingOccurrences(
            of: "REFUGE_BIN=${REFUGE_BIN:-git-refuge}", with: "REFUGE_BIN=${REFUGE_BIN:-\(quoted)}")
    }

    private static func writeShim(_ hook: GitHook, to path: String, binaryPath: String) throws {
        let temporary = path + ".refuge-new"
        try shimText(hook, binaryPath: binaryPath).write(toFile: temporary, atomically: false, encoding: .utf8)
        chmod(temporary, 0o755)
        try move(temporary, to: path)
    }

    /// The uid owning `path`, nil if it does not exist.
    static func owner(of path: String) -> uid_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_uid : nil
    }

    private static func move(_ from: String, to: String) throws {
        guard rename(from, to) == 0 else {
            throw InstallError.cannotMove(from: from, to: to, reason: String(cString: strerror(errno)))
        }
    }

    private static func binary(inShimAt path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(separator: "\n").lazy
                .map({ $0.drop(while: { $0 == " " }) })
                .first(where: { $0.hasPrefix("REFUGE_BIN=${REFUGE_BIN:-") })
        else { return nil }
        var value = line.dropFirst("REFUGE_BIN=${REFUGE_BIN:-".count).dropLast()  // drop the closing }
        if value.hasPrefix("'") && value.hasSuffix("'") {
            value = value.dropFirst().dropLast()
        }
        return value.replacingOccurrences(of: #"'\''"#, with: "'")
    }

    private static func binaryExists(_ binary: String) -> Bool {
        if binary.contains("/") { return FileManager.default.isExecutableFile(atPath: binary) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(binary)") }
    }
}

public enum InstallError: Error, CustomStringConvertible {
    case chainSlotTaken(hook: String, chained: String)
    case slotTaken(path: String)
    case gitoliteMissing
    case gitoliteNoLocalCode
    case cannotMove(from: String, to: String, reason: String)
    case foreignOwner(directory: String, owner: String)

    public var description: String {
        switch self {
        case .chainSlotTaken(let hook, let chained):
            return "\(hook) is not Refuge's, and \(chained) already holds a chained hook; "
                + "merge the two by hand, then run git refuge install again"
        case .slotTaken(let path):
            return "\(path) is not Refuge's: move it away (or merge it into your own hook), then run git refuge install again"
        case .gitoliteMissing:
            return "this repository's hooks are gitolite's, but the gitolite command is not on PATH: "
                + "run install as gitolite's account, or choose another layout with --layout"
        case .gitoliteNoLocalCode:
            return "gitolite's rc sets no LOCAL_CODE, where hooks for every repository go: in ~/.gitolite.rc, uncomment "
                + "LOCAL_CODE => \"$ENV{HOME}/local\", then run git refuge install again"
        case .cannotMove(let from, let to, let reason):
            return "cannot move \(from) to \(to): \(reason)"
        case .foreignOwner(let directory, let owner):
            return "\(directory) belongs to \(owner), not to you: hooks installed there run as whoever runs git; "
                + "install as \(owner), or add --force if that is what you want"
        }
    }
}
