import Foundation
import GitKit

/// Moves what the hooks spooled into the audit log, one file per finished git process, in named stages:
///
///     claim and read  SpoolDirectory → SpoolFile (text to blocks)
///     parse           HookRecords (each hook's input parsed once)
///     assemble        EventAssembler (match, resolve old values, classify: AuditEvents)
///     pin             Pins.makeRefs (refs first: a drain killed after the append must not leave them unpinned)
///     append, seal    AuditStore.append (one transaction with the file's receipt; the hash chain)
///     record pins     Pins.keepDropped, then the file is removed
///
/// Safe to run from several processes at once, and idempotent (each file has a receipt).
public struct SpoolDrain {
    let repository: Repository
    let store: AuditStore
    let spool: SpoolDirectory

    public struct Report: Sendable {
        public var recorded = 0
        public var warnings: [String] = []
    }

    public init(repository: Repository, store: AuditStore) {
        self.repository = repository
        self.store = store
        spool = SpoolDirectory(path: store.location.spoolDirectory)
    }

    public func drain() -> Report {
        var report = Report()
        do {
            try RepositoryIdentity.establish(repository, store: store)  // this path joins its identity's history first
        } catch {
            report.warnings.append("\(error)")
        }
        spool.removeProcessLeftovers()
        // Every file read before any is recorded: the stale packed lines a later file kept (a deletion or
        // pack-refs removed them) may be what an earlier file's update needs.
        let claimed = spool.claimWaitingFiles().map { (claimed: $0, records: $0.file.map(HookRecords.init)) }
        var kept: [String: [ObjectID]] = [:]
        for line in claimed.flatMap({ $0.records?.packedLines ?? [] }) { kept[line.ref, default: []].append(line.value) }
        var unwritable = false
        for (file, records) in claimed where !spool.isStillBeingWritten(file) {
            guard let records, let status = file.status else {
                report.warnings.append("cannot read spool file \(spool.path)/\(file.name); it is kept")
                continue
            }
            var warnings = records.problems.map { "spool file \(spool.path)/\(file.name), \($0)" }
            do {
                let assembler = EventAssembler(repository: repository, gitProcess: file.gitProcess, owner: status.owner) {
                    Uptime.date($0) ?? status.modified
                }
                // Per file: what an earlier file recorded is in the log by now, and only what was recorded.
                var resolver = OldValueResolver(repository: repository, store: store, kept: kept)
                let events = try assembler.assemble(records, resolver: &resolver, warnings: &warnings)
                let pins = Pins(repository: repository, store: store)
                let leftBehind = pins.leftOnDetachedHead(by: events, warnings: &warnings)
                pins.makeRefs(forDroppedBy: events, leftBehind: leftBehind, warnings: &warnings)
                let saved = try store.append(events, receipt: Self.receipt(file, status))
                report.recorded += saved.count
                pins.keepDropped(by: saved, leftBehind: leftBehind, warnings: &warnings)
                spool.remove(file)
            } catch {
                warnings = ["cannot record spool file \(spool.path)/\(file.name) yet (it is kept): \(error)"]
                if error is AuditStoreError {
                    LogHealth.markUnwritable(spoolDirectory: spool.path, reason: "\(error)")
                    unwritable = true
                }
            }
            // Once each: the pin made before the append and its record after can fail for one reason.
            for warning in warnings where !report.warnings.contains(warning) { report.warnings.append(warning) }
        }
        if !unwritable { LogHealth.markWritable(spoolDirectory: spool.path) }
        return report
    }

    /// What makes a file's records unique in the log: the same file drained twice appends nothing twice.
    private static func receipt(_ file: SpoolDirectory.Claimed, _ status: FileStatus) -> String {
        "rt:\(file.gitProcess):\(status.inode):\(status.size):\(status.modified.timeIntervalSince1970)"
    }
}
