import Foundation

/// `<common dir>/refuge/spool`: one file `rt.<pid>` per git process whose hooks wrote something, plus the
/// reference-transaction shim's per-process files (`warned.<pid>`, `keep.<pid>`). Hooks append; a drain
/// claims a file once its git process has ended, reads it, and removes it when its records are in the log.
public struct SpoolDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// A claimed file: its name, and its status and contents as of the claim (nil: it could not be read).
    struct Claimed {
        let name: String
        let status: FileStatus?
        let file: SpoolFile?
        /// The git process that wrote it (its `rt.<pid>`).
        var gitProcess: Int64 { Int64(name.split(separator: ".")[1]) ?? 0 }
    }

    /// Spool files still waiting (including those of git processes still running).
    public var waitingFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasPrefix("rt.") }.sorted()
    }

    /// Claims every file whose writer has ended, oldest first (a ref's earlier updates tell which reflog
    /// entry explains a later one), each read once.
    func claimWaitingFiles() -> [Claimed] {
        waitingFiles.compactMap { claim($0) }
            .map { (name: $0, started: firstStamp(of: $0)) }
            .sorted { ($0.started, $0.name) < ($1.started, $1.name) }
            .map { claimed in
                let file = "\(path)/\(claimed.name)"
                return Claimed(name: claimed.name, status: fileStatus(file),
                               file: (try? String(contentsOfFile: file, encoding: .utf8)).map(SpoolFile.init(text:)))
            }
    }

    /// Removes a file whose records are in the log.
    func remove(_ claimed: Claimed) {
        try? FileManager.default.removeItem(atPath: "\(path)/\(claimed.name)")
    }

    /// Appends `block` to git process `gitProcess`'s file in one write with O_APPEND, as the shims append:
    /// blocks of concurrent writers never interleave. False when it cannot.
    func append(_ block: SpoolBlock, gitProcess: Int32) -> Bool {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // 0666 less the umask, as the shims' `>>` creates it: in a shared log's setgid spool, the group
        // (an administrator, the web server's account) must read what this account wrote.
        let descriptor = open("\(path)/rt.\(gitProcess)", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let bytes = Array(block.render().utf8)
        return bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == bytes.count
    }

    /// The reference-transaction shim's files for one git process, gone with it: `warned.<pid>` (it
    /// warned once) and `keep.<pid>` (deletions' values for committed, emptied there, not removed, to
    /// start no program); and an older shim's `unresolved` marker, which the drain now resolves.
    func removeProcessLeftovers() {
        try? FileManager.default.removeItem(atPath: "\(path)/unresolved")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            let parts = name.split(separator: ".")
            guard parts.count == 2, ["warned", "keep"].contains(parts[0]), let pid = Int32(parts[1]),
                  !ProcessLiveness.isAlive(pid)
            else { continue }
            try? FileManager.default.removeItem(atPath: "\(path)/\(name)")
        }
    }

    /// How long a block may stay without its closing line, while a process with the writer's pid lives,
    /// before it counts as interrupted. A hook writes a block through one open file within milliseconds:
    /// if the pid was reused by a process that started writing just as the file was claimed, the rest of
    /// its block still lands in this (renamed) file, and is read by the drain after.
    static let openBlockGrace: TimeInterval = 10

    /// Whether the drain should leave `claimed` for later: its last block is open and its pid alive again
    /// (a new process got the pid and is writing now).
    func isStillBeingWritten(_ claimed: Claimed) -> Bool {
        guard let file = claimed.file, file.lastBlockOpen, let status = claimed.status else { return false }
        return ProcessLiveness.isAlive(Int32(claimed.gitProcess))
            && Date().timeIntervalSince(status.modified) < Self.openBlockGrace
    }

    /// Renames `rt.<pid>` to `rt.<pid>.draining-<our pid>` once git process `<pid>` has ended (its file
    /// can no longer grow), or takes over a file whose drainer died. Returns the claimed name.
    private func claim(_ name: String) -> String? {
        let parts = name.split(separator: ".")
        guard parts.count >= 2, parts[0] == "rt", let writer = Int32(parts[1]) else { return nil }
        let file = "\(path)/\(name)"
        if parts.count == 3, parts[2].hasPrefix("draining-") {
            guard let drainer = Int32(parts[2].dropFirst("draining-".count)), !ProcessLiveness.isAlive(drainer)
            else { return nil }
        } else if parts.count == 2 {
            let stale = (fileStatus(file)?.modified).map { Date().timeIntervalSince($0) > 3_600 } ?? false
            if ProcessLiveness.isAlive(writer) && !stale { return nil }
        } else {
            return nil
        }
        let claimed = "rt.\(writer).draining-\(getpid())"
        return rename(file, "\(path)/\(claimed)") == 0 ? claimed : nil
    }

    /// When a claimed spool file's first transaction happened, as an uptime stamp (or its file time).
    private func firstStamp(of name: String) -> Double {
        let file = "\(path)/\(name)"
        if let handle = FileHandle(forReadingAtPath: file) {
            defer { try? handle.close() }
            let head = String(decoding: handle.readData(ofLength: 64), as: UTF8.self)
            if let line = head.split(separator: "\n").first, let stamp = Double(line.split(separator: " ").last ?? "") {
                return stamp
            }
        }
        return Uptime.stamp(for: fileStatus(file)?.modified ?? Date())
    }
}

/// The shims stamp blocks with /proc/uptime (a shell has no clock builtin); this turns it into a date.
enum Uptime {
    /// When this machine booted, read once: every stamp of a drain is measured from the same instant.
    private static let boot: (date: Date, uptime: Double)? = {
        guard let text = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let now = Double(text.split(separator: " ").first ?? "")
        else { return nil }
        return (Date().addingTimeInterval(-now), now)
    }()

    /// Now, as a stamp (for a block Swift writes), read as the shims read it; nil without /proc/uptime.
    static var now: Double? {
        guard let text = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8) else { return nil }
        return Double(text.split(separator: " ").first ?? "")
    }

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

/// What the drain's receipt and the doctor need of a file.
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
