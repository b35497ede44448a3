import Foundation
import GitKit

/// `git refuge doctor`: what state Refuge is in for one repository, and for each problem, how to repair it.
/// Reads only: it opens the log read-only and drains nothing, so that it works on a broken log too.
///
/// One rule says what is healthy (no finding of severity `error`), for doctor and `status` alike: status
/// runs the quick checks (`.quick`: everything but reading the whole log), doctor all of them (`.full`:
/// the hash chain and SQLite's integrity check too).
public struct Doctor {
    public struct Finding: Sendable {
        public enum Severity: String, Sendable, Codable { case ok, note, warning, error }
        public let severity: Severity
        public let area: String
        public let what: String
        /// What to do, when there is something to do.
        public let fix: String?
    }

    public let repository: String
    public let findings: [Finding]
    public var healthy: Bool { !findings.contains { $0.severity == .error } }
    /// The first thing that makes it unhealthy, in one line with its fix.
    public var firstProblem: String? {
        findings.first { $0.severity == .error }.map { "\($0.area): \($0.what)" + ($0.fix.map { "; \($0)" } ?? "") }
    }

    public enum Depth: Sendable {
        /// Hooks, whether the log opens and is writable, the spool, the configuration, the identity.
        case quick
        /// Also every row of the hash chain and SQLite's integrity check (reads the whole log).
        case full
    }

    public static func examine(_ repository: Repository, environment: [String: String], depth: Depth = .full) throws -> Doctor {
        let configuration = try RefugeConfiguration.read(for: repository, environment: environment)
        let location = configuration.location
        var findings: [Finding] = []
        findings += hooks(repository)
        findings += database(location, depth: depth)
        findings += spool(location)
        findings += settings(configuration)
        findings += self.configuration(repository)
        findings += identity(repository, location: location)
        return Doctor(repository: repository.auditIdentity, findings: findings)
    }

    /// The configuration in effect, one note per setting; a value that is not valid is a warning.
    private static func settings(_ configuration: RefugeConfiguration) -> [Finding] {
        var findings = configuration.problems.map { problem in
            Finding(severity: .warning, area: "config", what: problem, fix: problem.hasPrefix("refuge.prePush")
                ? "git config refuge.prePush warn (or block, or off)" : "git config --get-all refuge.protect says what git reads")
        }
        for line in configuration.summary {
            findings.append(Finding(severity: .note, area: "config", what: line, fix: nil))
        }
        return findings
    }

    private static func hooks(_ repository: Repository) -> [Finding] {
        let installer = HookInstaller(repository: repository)
        guard let states = try? installer.states() else {
            return [Finding(severity: .error, area: "hooks", what: "cannot read the hooks directory", fix: "check core.hooksPath")]
        }
        let expected = installer.defaultRole() == .server ? GitHook.server : GitHook.client
        guard states.contains(where: \.installed) else {
            return [Finding(severity: .error, area: "hooks", what: "Refuge is not installed here: nothing is recorded",
                            fix: "git refuge install")]
        }
        var findings: [Finding] = []
        // A manager that took over the hooks after install (a forge's hook rewrite, gitolite set up later).
        if let installed = try? installer.installedLayout(), let now = try? installer.layout(), installed.layout != now.layout {
            findings.append(Finding(severity: .warning, area: "hooks",
                                    what: "installed for the \(installed.layout.rawValue) layout, but \(now.reason)",
                                    fix: "git refuge install --server --layout \(now.layout.rawValue)"))
        }
        for state in states where expected.contains(state.hook) || state.installed {
            if !state.installed {
                let cost = state.hook == .postCheckout
                    ? "work left on a detached HEAD is kept by its reflog only" : "its updates are not recorded"
                findings.append(Finding(severity: .warning, area: "hooks", what: "\(state.hook.rawValue) is not installed: \(cost)",
                                        fix: "git refuge install"))
            } else if !state.executable {
                findings.append(Finding(severity: .error, area: "hooks", what: "\(state.path) is not executable: git skips it",
                                        fix: "chmod +x \(state.path)"))
            } else if state.binaryExists == false {
                findings.append(Finding(severity: .error, area: "hooks", what: "\(state.hook.rawValue) runs \(state.binary ?? "?"), "
                    + "which is missing", fix: "git refuge install (from the binary you want the hooks to run)"))
            } else {
                findings.append(Finding(severity: .ok, area: "hooks", what: "\(state.hook.rawValue) installed"
                    + (state.chained.map { ", chaining \($0)" } ?? ""), fix: nil))
            }
        }
        return findings
    }

    private static func database(_ location: AuditLocation, depth: Depth) -> [Finding] {
        let path = location.databasePath
        let directory = (path as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: path) else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
                return [Finding(severity: .error, area: "audit log", what: "\(directory) is a file, so \(path) cannot be created",
                                fix: "move that file away, or set refuge.database to a path in a writable directory")]
            }
            return [Finding(severity: .note, area: "audit log", what: "\(path) does not exist yet",
                            fix: "it is created by the first git refuge command after an update")]
        }
        if access(path, W_OK) != 0 || access(directory, W_OK) != 0 {
            return [Finding(severity: .error, area: "audit log", what: "\(path) (or its directory) is not writable by this account",
                            fix: "make it writable by the accounts that push (chmod, or refuge.sharedDatabase for a group)")]
        }
        let store: AuditStore
        do {
            store = try AuditStore(location: location, readOnly: true)
        } catch {
            return [Finding(severity: .error, area: "audit log", what: "cannot open \(path): \(error)", fix: corruptFix(path))]
        }
        if depth == .quick {
            do {
                let events = try store.summary(repository: nil).eventCount
                return [Finding(severity: .ok, area: "audit log", what: "\(path): \(events) event(s) (git refuge doctor checks the chain)", fix: nil)]
            } catch {
                return [Finding(severity: .error, area: "audit log", what: "cannot read \(path): \(error)", fix: corruptFix(path))]
            }
        }
        do {
            let result = try store.verifyChain()
            var findings: [Finding] = []
            if result.integrity != ["ok"] {
                findings.append(Finding(severity: .error, area: "audit log",
                    what: "SQLite finds the file damaged: \(result.integrity.prefix(2).joined(separator: "; "))", fix: corruptFix(path)))
            }
            if let broken = result.firstBreak {
                findings.append(Finding(severity: .error, area: "audit log",
                    what: "the hash chain breaks at event #\(broken.eventID): \(broken.problem)",
                    fix: "keep a copy of \(path) as evidence; compare with a head hash kept elsewhere (git refuge verify --against)"))
            }
            if findings.isEmpty {
                findings.append(Finding(severity: .ok, area: "audit log", what: "\(path): \(result.events) event(s), chain intact, "
                    + "head \(result.head)", fix: nil))
            }
            return findings
        } catch {
            return [Finding(severity: .error, area: "audit log", what: "cannot read \(path): \(error)", fix: corruptFix(path))]
        }
    }

    private static func corruptFix(_ path: String) -> String {
        "move it aside (mv \(path) \(path).damaged), then run git refuge drain: a new log starts and the spool's records go "
            + "into it; to salvage old rows: sqlite3 \(path).damaged .recover | sqlite3 recovered.db"
    }

    private static func spool(_ location: AuditLocation) -> [Finding] {
        let directory = location.spoolDirectory
        var findings: [Finding] = []
        if let failure = LogHealth.lastFailure(spoolDirectory: directory) {
            findings.append(Finding(severity: .error, area: "spool", what: "the last drain could not write the log: \(failure)",
                                    fix: "repair the audit log (above), then run git refuge drain"))
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let waiting = files.filter { $0.hasPrefix("rt.") }
        if !waiting.isEmpty {
            let oldest = waiting.compactMap { fileStatus("\(directory)/\($0)")?.modified }.min()
            let age = oldest.map { " (the oldest since \(Timestamp.short($0)))" } ?? ""
            findings.append(Finding(severity: .note, area: "spool", what: "\(waiting.count) file(s) wait in \(directory)\(age)",
                                    fix: "git refuge drain writes those whose git process has ended"))
        } else {
            findings.append(Finding(severity: .ok, area: "spool", what: "nothing waits in \(directory)", fix: nil))
        }
        // Emptied by committed, removed by the drain: only a non-empty one of an ended process is left over.
        let leftovers = files.filter { name in
            guard name.hasPrefix("keep."), let pid = Int32(name.dropFirst("keep.".count)) else { return false }
            return (fileStatus("\(directory)/\(name)")?.size ?? 0) > 0 && !ProcessLiveness.isAlive(pid)
        }
        if !leftovers.isEmpty {
            findings.append(Finding(severity: .note, area: "spool", what: "\(leftovers.count) keep.* file(s) left by git processes "
                + "that ended between prepared and committed", fix: "harmless; git refuge drain removes them"))
        }
        if access(directory, W_OK) != 0, FileManager.default.fileExists(atPath: directory) {
            findings.append(Finding(severity: .error, area: "spool", what: "\(directory) is not writable: hooks cannot keep records",
                                    fix: "chmod u+w \(directory) (or g+w with refuge.sharedDatabase)"))
        }
        return findings
    }

    private static func configuration(_ repository: Repository) -> [Finding] {
        var findings: [Finding] = []
        let pins = (try? repository.references(under: RefugeRefs.kept).count) ?? 0
        let hidden = ((try? repository.configStrings("transfer.hideRefs")) ?? []).contains { $0 == RefugeRefs.root || $0 == RefugeRefs.root + "/" }
        if pins > 0 && !hidden {
            findings.append(Finding(severity: .warning, area: "pins", what: "\(pins) pin(s) exist but transfer.hideRefs does "
                + "not hide refs/refuge: clients can see and fetch them", fix: "git config --add transfer.hideRefs refs/refuge"))
        } else {
            findings.append(Finding(severity: .ok, area: "pins", what: "\(pins) pin(s)\(pins > 0 ? ", hidden" : "")", fix: nil))
        }
        if repository.isBare, (try? repository.configString("core.logAllRefUpdates")) ?? nil == nil {
            findings.append(Finding(severity: .warning, area: "reflogs", what: "this bare repository keeps no reflogs: "
                + "recover has only the audit log to go by", fix: "git config core.logAllRefUpdates always"))
        }
        return findings
    }
}
