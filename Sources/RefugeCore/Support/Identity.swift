import Foundation
import GitKit

/// Who made an update. git does not know; servers and the operating system do.
public enum Identity {
    /// Who pushes from a clone, or makes a local update: git's `user.name` (what a team knows them by),
    /// else the operating-system account `uid`. Self-declared: the server's pusher is the authenticated one.
    public static func localPusher(repository: Repository, uid: uid_t) -> String {
        if let name = try? repository.configString("user.name"), !name.isEmpty { return name }
        return accountName(uid: uid)
    }

    /// The operating-system account with this uid, or `uid:N` when it has no name.
    public static func accountName(uid: uid_t) -> String {
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return "uid:\(uid)"
    }
}

/// Whether a process is still running: spool files of live git processes may still grow.
enum ProcessLiveness {
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
