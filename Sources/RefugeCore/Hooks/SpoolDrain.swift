import Foundation
import GitKit

/// Moves what the hook shims spooled into the audit log, one file per finished git process, classifying
/// each update against the repository as it is then.
/// Safe to run from several processes at once, and idempotent (each file has a receipt).
public struct SpoolDrain {
    let repository: Repository
    let store: AuditStore
    let directory: String

    public struct Report: Sendable {
        public var recorded = 0
        public var warnings: [String] = []
    }

    public init(repository: Repository, store: AuditStore) {
        self.repository = repository
        self.store = store
        self.directory = store.location.spoolDirectory
    }

    /// Spool files still waiting (including those of git processes still running).
    public static func waitingFiles(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("rt.") }
            .sorted()
    }

    public func drain() -> Report {
        var report = Report()
        // The path this repository is at now joins its identity's history before anything is appended.
        do {
            try RepositoryIdentity.establish(repository, store: store)
        } catch {
            report.warnings.append("\(error)")
        }
        // An older shim's marker (an update whose old value waited): the drain below resolves it.
        try? FileManager.default.removeItem(atPath: "\(directory)/unresolved")
        Self.removeProcessLeftovers(in: directory)
        // Oldest first: a ref's earlier updates tell which reflog entry explains a later one.
        let claimed = Self.waitingFiles(in: directory).filter { $0.hasPrefix("rt.") }
            .compactMap { claim($0) }
            .map { (name: $0, started: firstStamp(of: $0)) }
            .sorted { ($0.started, $0.name) < ($1.started, $1.name) }
        // Each file read and parsed once, before any is recorded: the stale packed lines a later file kept
        // (a deletion or pack-refs removed them) may be what an earlier file's update needs.
        let loaded = claimed.map { (name: $0.name, contents: read($0.name)) }
        var packed: [String: [ObjectID]] = [:]
        for line in loaded.flatMap({ $0.contents?.file.packedLines ?? [] }) { packed[line.ref, default: []].append(line.value) }
        var failures = 0
        for file in loaded {
            if !drainTransactions(file.name, file.contents, packed: packed, into: &report) { failures += 1 }
        }
        if failures == 0 { LogHealth.markWritable(spoolDirectory: directory) }
        return report
    }

    /// The reference-transaction shim's files for one git process, gone with it: `warned.<pid>` (it
    /// warned once) and `keep.<pid>` (deletions' values for committed, emptied there, not removed, to
    /// start no program).
    static func removeProcessLeftovers(in directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let parts = name.split(separator: ".")
            guard parts.count == 2, ["warned", "keep"].contains(parts[0]), let pid = Int32(parts[1]),
                  !ProcessLiveness.isAlive(pid)
            else { continue }
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
    }

    /// Renames `rt.<pid>` to `rt.<pid>.draining-<our pid>` once git process `<pid>` has ended (its file
    /// can no longer grow), or takes over a file whose drainer died. Returns the claimed name.
    private func claim(_ name: String) -> String? {
        let parts = name.split(separator: ".")
        guard parts.count >= 2, parts[0] == "rt", let writer = Int32(parts[1]) else { return nil }
        let path = "\(directory)/\(name)"
        if parts.count == 3, parts[2].hasPrefix("draining-") {
            guard let drainer = Int32(parts[2].dropFirst("draining-".count)), !ProcessLiveness.isAlive(drainer)
            else { return nil }
        } else if parts.count == 2 {
            let stale = (fileStatus(path)?.modified).map { Date().timeIntervalSince($0) > 3_600 } ?? false
            if ProcessLiveness.isAlive(writer) && !stale { return nil }
        } else {
            return nil
        }
        let claimed = "rt.\(writer).draining-\(getpid())"
        return rename(path, "\(directory)/\(claimed)") == 0 ? claimed : nil
    }

    /// How long a block may stay without its closing line, while a process with the writer's pid lives,
    /// before it counts as interrupted. A hook writes a block through one open file within milliseconds:
    /// if the pid was reused by a process that started writing just as the file was claimed, the rest of
    /// its block still lands in this (renamed) file, and is read by the drain after.
    static let openBlockGrace: TimeInterval = 10

    /// A claimed spool file as it is now: its status (for the receipt) and its blocks.
    private func read(_ name: String) -> (status: FileStatus, file: SpoolFile)? {
        let path = "\(directory)/\(name)"
        guard let status = fileStatus(path), let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return (status, SpoolFile(text: text))
    }

    /// - Returns: false when the log could not be written (the file stays for the next drain).
    private func drainTransactions(_ name: String, _ contents: (status: FileStatus, file: SpoolFile)?,
                                   packed: [String: [ObjectID]], into report: inout Report) -> Bool {
        let path = "\(directory)/\(name)"
        guard let (status, file) = contents else {
            report.warnings.append("cannot read spool file \(path); it is kept")
            return true
        }
        let gitProcess = Int64(name.split(separator: ".")[1]) ?? 0
        // An open last block whose pid is alive again: a new process got the pid and is writing it now.
        if file.lastBlockOpen, ProcessLiveness.isAlive(Int32(gitProcess)),
           Date().timeIntervalSince(status.modified) < Self.openBlockGrace {
            return true  // left claimed; a later drain takes it over once the block is complete
        }
        var warnings = file.problems.map { "spool file \(path), \($0)" }
        let receipt = "rt:\(gitProcess):\(status.inode):\(status.size):\(status.modified.timeIntervalSince1970)"
        do {
            let classifier = UpdateClassifier(repository: repository)
            let hooks = HookEvents(repository: repository, classifier: classifier, gitProcess: gitProcess, owner: status.owner)
            var events: [AuditEvent] = []
            // What post-receive recorded, and what a push expects its remote-tracking refs to become:
            // receive-pack's own ref writes and the tracking updates are not listed again.
            var accepted: Set<String> = []  // "ref new", what receive-pack's own writes are matched by
            var expectedTracking: [String: [Int]] = [:]
            for block in file.blocks {
                switch block {
                case .accepted(let uptime, let input, let metadata):
                    let new = hooks.accepted(input: input, metadata: metadata, time: time(uptime, status), warnings: &warnings)
                    accepted.formUnion(new.map { "\($0.ref) \($0.new?.hex ?? "-")" })
                    events += new
                case .push(let uptime, let input, let metadata):
                    for pushed in hooks.pushed(input: input, metadata: metadata, time: time(uptime, status), warnings: &warnings) {
                        if let tracking = pushed.trackingRef { expectedTracking[tracking, default: []].append(events.count) }
                        events.append(pushed.event)
                    }
                case .rejected(let uptime, let input, let metadata):
                    events += hooks.rejected(input: input, metadata: metadata, time: time(uptime, status), warnings: &warnings)
                case .prepared, .committed:
                    continue
                }
            }
            var batches: [Int: String] = [:]
            var lastValues: [String: ObjectID?] = [:]
            for var spooled in file.updates() {
                let ref = spooled.update.ref
                if spooled.oldNeedsResolution, let new = spooled.update.new {
                    let before = try lastValues[ref] ?? store.lastRecordedValue(of: ref, repository: repository.auditIdentity)
                    if before == .some(new) { continue }  // `branch -f X` to the value X already had
                    spooled.update = RefUpdate(ref: ref, old: try resolveOld(ref, new: new, after: before, kept: packed[ref] ?? []), new: new)!
                }
                lastValues[ref] = .some(spooled.update.new)
                let update = spooled.update
                if accepted.contains("\(update.ref) \(update.new?.hex ?? "-")") { continue }
                if let index = expectedTracking[ref]?.first(where: { events[$0].new == update.new }) {
                    events[index].status = .confirmed  // git updated the tracking ref: the server took it
                    continue
                }
                let classification = hooks.classify(update, warnings: &warnings)
                let batch = batches[spooled.transaction] ?? UUID().uuidString
                batches[spooled.transaction] = batch
                events.append(AuditEvent(
                    time: time(spooled.uptime, status), side: .local, hook: spooled.hook,
                    repository: repository.auditIdentity, update: update, kind: classification.kind,
                    dropped: classification.dropped, status: .done, batch: batch,
                    pusher: Identity.localPusher(repository: repository, uid: status.owner), processID: gitProcess,
                    reason: spooled.consumed ? AuditEvent.stashApplied : nil))
            }
            let pins = Pins(repository: repository, store: store)
            let leftBehind = pins.leftOnDetachedHead(by: events, warnings: &warnings)
            pins.makeRefs(forDroppedBy: events, leftBehind: leftBehind, warnings: &warnings)  // refs first, records after
            let saved = try store.append(events, receipt: receipt)
            report.recorded += saved.count
            pins.keepDropped(by: saved, leftBehind: leftBehind, warnings: &warnings)
            // Once each: the pin made before the append and its record after can fail for one reason.
            for warning in warnings where !report.warnings.contains(warning) { report.warnings.append(warning) }
            try? FileManager.default.removeItem(atPath: path)
            return true
        } catch {
            report.warnings.append("cannot record spool file \(path) yet (it is kept): \(error)")
            if error is AuditStoreError { LogHealth.markUnwritable(spoolDirectory: directory, reason: "\(error)") }
            return !(error is AuditStoreError)
        }
    }

    private func time(_ uptime: Double?, _ status: FileStatus) -> Date {
        Uptime.date(uptime) ?? status.modified
    }

    /// git passed zero as the old id and the shim could not read it (a packed ref): the reflog entry
    /// that wrote `new` has it; else the stale line in packed-refs (a non-deleting update leaves it), or
    /// the one the shim kept (`kept`) when a deletion or pack-refs removed it before this drain.
    /// A value can be written more than once (`reset` back to it): the entry that follows the ref's last
    /// recorded value (`before`) is the one. A ref never recorded takes the oldest entry, as spool files
    /// are drained oldest first; failing both, the newest.
    private func resolveOld(_ ref: String, new: ObjectID, after before: ObjectID??, kept: [ObjectID]) throws -> ObjectID? {
        let candidates = try repository.reflog(of: ref).filter { $0.new == new }  // newest first
        if let before, let entry = candidates.first(where: { $0.old == before }) { return entry.old }
        if before == nil, let entry = candidates.last { return entry.old }
        if let entry = candidates.first { return entry.old }
        let packed = (try? String(contentsOfFile: "\(repository.commonDirectory)/packed-refs", encoding: .utf8)) ?? ""
        for line in packed.split(separator: "\n") where line.hasSuffix(" \(ref)") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[1] == ref, let value = ObjectID(hex: fields[0]), value != new { return value }
        }
        return kept.first { $0 != new }
    }
}

extension SpoolDrain {
    /// When a claimed spool file's first transaction happened, as an uptime stamp (or its file time).
    fileprivate func firstStamp(of name: String) -> Double {
        let path = "\(directory)/\(name)"
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            let head = String(decoding: handle.readData(ofLength: 64), as: UTF8.self)
            if let line = head.split(separator: "\n").first, let stamp = Double(line.split(separator: " ").last ?? "") {
                return stamp
            }
        }
        return Uptime.stamp(for: fileStatus(path)?.modified ?? Date())
    }
}

/// The spool shim stamps blocks with /proc/uptime (a shell has no clock builtin); this turns it into a date.
enum Uptime {
    /// When this machine booted, read once: every stamp of a drain is measured from the same instant.
    private static let boot: (date: Date, uptime: Double)? = {
        guard let text = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let now = Double(text.split(separator: " ").first ?? "")
        else { return nil }
        return (Date().addingTimeInterval(-now), now)
    }()

    static func date(_ uptime: Double?) -> Date? {
        // A stamp beyond the current uptime was written before a reboot: the caller uses the file's time.
        guard let uptime, let boot, uptime <= boot.uptime else { return nil }
        return boot.date.addingTimeInterval(uptime)
    }

    /// The uptime stamp a date corresponds to (for files whose blocks carry none).
    static func stamp(for date: Date) -> Double {
        guard let boot else { return 0 }
        return date.timeIntervalSince(boot.date)
    }
}

struct FileStatus {
    let inode: UInt64
    let size: Int64
    let modified: Date
    let owner: uid_t
}

func fileStatus(_ path: String) -> FileStatus? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
    return FileStatus(inode: UInt64(info.st_ino), size: Int64(info.st_size), modified: modified, owner: info.st_uid)
}

extension Repository {
    /// How a repository is named in the audit log: its common git directory, so linked worktrees share it.
    public var auditIdentity: String {
        (commonDirectory as NSString).standardizingPath
    }
}
