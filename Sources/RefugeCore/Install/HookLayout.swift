import Foundation
import GitKit

/// Who manages a repository's hooks, and so where Refuge's shims must go for that manager to run them
/// and keep them (Docs/Servers.md has each layout, step by step).
public enum HookLayout: String, CaseIterable, Sendable, Codable {
    /// `<common git dir>/hooks`: git's own place, nobody else's.
    case plain
    /// `core.hooksPath`: one directory git runs for every repository that sets it.
    case hooksPath = "hooks-path"
    /// Gitea and Forgejo: `hooks/<name>` is the forge's, and runs every executable in `hooks/<name>.d/`.
    case dotD = "dot-d"
    /// GitLab's Gitaly: git runs Gitaly's hooks; Gitaly runs `custom_hooks/<name>` and `custom_hooks/<name>.d/*`.
    case gitaly
    /// gitolite: hooks for every repository live in its `LOCAL_CODE/hooks/common`, which `gitolite setup`
    /// links into each repository's `hooks/` (replacing what is there under the same name).
    case gitolite

    /// Set by install: status, doctor and uninstall read the layout install used.
    static let configKey = "refuge.layout"

    /// The hooks a manager's dispatcher runs from a `.d` directory (Gitea, Forgejo; Gitaly's custom hooks).
    static let dispatchedHooks: Set<GitHook> = [.preReceive, .postReceive]

    /// The file name of Refuge's shim inside a `.d` directory.
    static let dispatchedName = "refuge"
}

/// Where one hook's shim goes in a layout.
public struct HookPlacement: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The hook's own slot: a hook already there is kept and chained (refuge-chained/).
        case slot
        /// A file in a manager's `<hook>.d` directory: the manager runs it beside its own.
        case dispatched
        /// gitolite: the slot is a link to a shim shared by every repository (`LOCAL_CODE/hooks/common`).
        case linked(shim: String)
    }

    public let hook: GitHook
    /// What git (or the manager) runs.
    public let path: String
    public let kind: Kind
}

/// A repository's layout, found out or forced, with where each hook goes.
public struct ResolvedHookLayout: Sendable, Equatable {
    public let layout: HookLayout
    /// Why: what was found (or "--layout"), for install's and status's output.
    public let reason: String
    public let hooksDirectory: String
    let customHooksDirectory: String
    /// gitolite's `LOCAL_CODE` (nil for the other layouts).
    let localCode: String?

    /// Where `hook` goes; nil when the layout's manager never runs it (Gitaly runs no custom
    /// reference-transaction, post-checkout or pre-push hook).
    public func placement(of hook: GitHook) -> HookPlacement? {
        let slot = "\(hooksDirectory)/\(hook.rawValue)"
        switch layout {
        case .plain, .hooksPath:
            return HookPlacement(hook: hook, path: slot, kind: .slot)
        case .dotD:
            var isDirectory: ObjCBool = false
            let directory = "\(hooksDirectory)/\(hook.rawValue).d"
            guard HookLayout.dispatchedHooks.contains(hook),
                  FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
            else { return HookPlacement(hook: hook, path: slot, kind: .slot) }  // a hook the forge leaves to git
            return HookPlacement(hook: hook, path: "\(directory)/\(HookLayout.dispatchedName)", kind: .dispatched)
        case .gitaly:
            guard HookLayout.dispatchedHooks.contains(hook) else { return nil }
            return HookPlacement(hook: hook, path: "\(customHooksDirectory)/\(hook.rawValue).d/\(HookLayout.dispatchedName)",
                                 kind: .dispatched)
        case .gitolite:
            guard let localCode else { return nil }
            return HookPlacement(hook: hook, path: slot, kind: .linked(shim: "\(localCode)/hooks/common/\(hook.rawValue)"))
        }
    }

    /// Every other place a layout puts `hook` in this repository (git's slot, a `.d` directory, Gitaly's
    /// custom hooks): where a shim left from another layout would be.
    func alternatives(of hook: GitHook) -> [HookPlacement] {
        var places = [HookPlacement(hook: hook, path: "\(hooksDirectory)/\(hook.rawValue)", kind: .slot)]
        if HookLayout.dispatchedHooks.contains(hook) {
            places.append(HookPlacement(hook: hook, path: "\(hooksDirectory)/\(hook.rawValue).d/\(HookLayout.dispatchedName)", kind: .dispatched))
            places.append(HookPlacement(hook: hook, path: "\(customHooksDirectory)/\(hook.rawValue).d/\(HookLayout.dispatchedName)",
                                        kind: .dispatched))
        }
        return places
    }

    /// Finds out who manages `repository`'s hooks, unless `forced`. gitolite first (its `update` hook is
    /// unmistakable), then Gitaly's `custom_hooks/`, then a forge's `.d` directories, then
    /// `core.hooksPath`, else git's own `hooks/`.
    static func resolve(_ repository: Repository, hooksDirectory: String, forced: HookLayout?) throws -> ResolvedHookLayout {
        let custom = "\(repository.commonDirectory)/custom_hooks"
        func resolved(_ layout: HookLayout, _ reason: String) throws -> ResolvedHookLayout {
            ResolvedHookLayout(layout: layout, reason: reason, hooksDirectory: hooksDirectory, customHooksDirectory: custom,
                               localCode: layout == .gitolite ? try Gitolite.localCode() : nil)
        }
        if let forced { return try resolved(forced, "--layout \(forced.rawValue)") }
        let (layout, reason) = try detect(repository, hooksDirectory: hooksDirectory, customHooks: custom)
        return try resolved(layout, reason)
    }

    /// The layout `install` recorded, else what detection finds now (status, doctor, uninstall).
    static func installed(_ repository: Repository, hooksDirectory: String) throws -> ResolvedHookLayout {
        let recorded = try repository.localConfigString(HookLayout.configKey).flatMap(HookLayout.init(rawValue:))
        guard let recorded else { return try resolve(repository, hooksDirectory: hooksDirectory, forced: nil) }
        let custom = "\(repository.commonDirectory)/custom_hooks"
        return ResolvedHookLayout(layout: recorded, reason: "recorded by install (\(HookLayout.configKey))",
                                  hooksDirectory: hooksDirectory, customHooksDirectory: custom,
                                  localCode: recorded == .gitolite ? Gitolite.localCode(linkedFrom: hooksDirectory) : nil)
    }

    /// What the repository looks like now, whatever install recorded.
    static func detect(_ repository: Repository, hooksDirectory: String, customHooks: String) throws -> (HookLayout, String) {
        let manager = FileManager.default
        func isDirectory(_ path: String) -> Bool {
            var directory: ObjCBool = false
            return manager.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
        }
        let update = "\(hooksDirectory)/update"
        if let target = try? manager.destinationOfSymbolicLink(atPath: update),
           let text = try? String(contentsOfFile: update, encoding: .utf8), text.contains("Gitolite") {
            return (.gitolite, "hooks/update is gitolite's (a link to \(target))")
        }
        if isDirectory(customHooks) {
            return (.gitaly, "\(customHooks) exists: GitLab's Gitaly runs the custom hooks there")
        }
        if let dispatched = HookLayout.dispatchedHooks.map(\.rawValue).sorted().first(where: { isDirectory("\(hooksDirectory)/\($0).d") }) {
            return (.dotD, "hooks/\(dispatched).d/ exists: the forge's hooks/\(dispatched) runs what is in it (Gitea, Forgejo)")
        }
        if let configured = try repository.configString("core.hooksPath"), !configured.isEmpty {
            return (.hooksPath, "core.hooksPath is \(configured)")
        }
        return (.plain, "git's own hooks directory")
    }
}

/// What Refuge asks gitolite: only gitolite can evaluate its rc file (Perl).
enum Gitolite {
    /// LOCAL_CODE as the repository's links show it (`<LOCAL_CODE>/hooks/common/<hook>`), else gitolite's
    /// answer: status or uninstall run as another account (root) still find the shims.
    static func localCode(linkedFrom hooksDirectory: String) -> String? {
        for hook in GitHook.allCases {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(hooksDirectory)/\(hook.rawValue)"),
                  target.hasSuffix("/hooks/common/\(hook.rawValue)") else { continue }
            let common = (target as NSString).deletingLastPathComponent
            guard HookInstaller.isRefugeShim(at: target) || !FileManager.default.fileExists(atPath: target) else { continue }
            return ((common as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        }
        return try? localCode()
    }

    /// `LOCAL_CODE` from `gitolite query-rc`, run as this account (gitolite's own account, whose rc it is).
    /// gitolite is not git: running it is the only way to read its configuration.
    static func localCode() throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gitolite", "query-rc", "LOCAL_CODE"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw InstallError.gitoliteMissing }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 { throw InstallError.gitoliteMissing }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !value.isEmpty, value != "undef" else { throw InstallError.gitoliteNoLocalCode }
        return value
    }
}
