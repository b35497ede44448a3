import Foundation
import GitKit

/// Who made an update. git does not know; servers and the operating system do.
public enum Identity {
    /// The pusher on a server: the first of `GL_USER` (gitolite), `REMOTE_USER` (HTTP),
    /// `GIT_PUSH_CERT_SIGNER` (signed pushes), then the operating-system account running receive-pack.
    public static func serverPusher(environment: [String: String]) -> String {
        for key in ["GL_USER", "REMOTE_USER", "GIT_PUSH_CERT_SIGNER"] {
            if let value = environment[key], !value.isEmpty { return value }
        }
        return accountName(uid: geteuid())
    }

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

    /// Push options as git hands them to server hooks (`GIT_PUSH_OPTION_COUNT`, `GIT_PUSH_OPTION_<n>`);
    /// nil when the client sent none.
    public static func pushOptions(environment: [String: String]) -> [String]? {
        guard let count = environment["GIT_PUSH_OPTION_COUNT"].flatMap(Int.init), count > 0 else { return nil }
        return (0..<count).compactMap { environment["GIT_PUSH_OPTION_\($0)"] }
    }
}

/// Whether a process is still running: spool files of live git processes may still grow.
enum ProcessLiveness {
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
