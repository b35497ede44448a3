import Foundation

/// Whether a process is still running: spool files of live git processes may still grow.
enum ProcessLiveness {
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}

/// The git process a server hook's spool block belongs in, by the post-receive shim's rule
/// (Hooks/post-receive, `spooler`): receive-pack, the parent or a few shells up (a forge's dispatcher runs
/// hooks from `<hook>.d/`); else, where a long-lived server ran the hook (Gitaly), this process itself, whose
/// file is complete when it exits; without /proc, the parent.
public enum ReceivePack {
    public static func spoolProcess() -> Int32 {
        var pid = getppid()
        for level in 0..<6 {
            guard let command = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) else {
                return level == 0 ? getppid() : getpid()
            }
            if String(decoding: command.filter { $0 != 0 }, as: UTF8.self).contains("receive-pack") { return pid }
            // "pid (comm) state ppid …": the parent is the second field after the last ')'.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { break }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let parent = Int32(fields[1]), parent > 1 else { break }
            pid = parent
        }
        return getpid()
    }
}
