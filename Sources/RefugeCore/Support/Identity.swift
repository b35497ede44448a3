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

    /// The variables that name a server's pusher, most trusted first: gitolite's user (`GL_USER`), the
    /// pusher Gitea and Forgejo give their hooks (`GITEA_PUSHER_NAME`), GitLab's (`GL_USERNAME`, in Gitaly's
    /// custom hooks), the web server's authenticated user (`REMOTE_USER`), a signed push's signer.
    public static let serverPusherVariables = ["GL_USER", "GITEA_PUSHER_NAME", "GL_USERNAME", "REMOTE_USER", "GIT_PUSH_CERT_SIGNER"]

    /// The variables that say where a push came from, in the order read: sshd's `SSH_CONNECTION`
    /// (`client-ip client-port server-ip server-port`) and older `SSH_CLIENT` (`client-ip client-port
    /// server-port`), a CGI server's `REMOTE_ADDR`.
    public static let addressVariables = ["SSH_CONNECTION", "SSH_CLIENT", "REMOTE_ADDR"]

    /// What the post-receive shim copies into the spool: the pusher's variables, then the address's
    /// (Hooks/post-receive; RuleTests keeps the two equal).
    public static let recordedServerVariables = serverPusherVariables + addressVariables

    /// Where a push came from: the client's address from the first of `addressVariables` set, nil when
    /// none is (a push over a local path, or `git daemon`).
    public static func remoteAddress(in environment: [String: String]) -> String? {
        for variable in addressVariables {
            guard let value = environment[variable], !value.contains("\n") else { continue }
            let address = variable == "REMOTE_ADDR" ? value : String(value.prefix { $0 != " " })
            if !address.isEmpty { return address }
        }
        return nil
    }

    /// The server's pusher: the first of `serverPusherVariables` set in `environment` (empty values and
    /// values with a newline skipped, as the shim skips them), with its variable; nil when none is.
    public static func serverPusher(in environment: [String: String]) -> (variable: String, name: String)? {
        for variable in serverPusherVariables {
            if let name = environment[variable], !name.isEmpty, !name.contains("\n") { return (variable, name) }
        }
        return nil
    }

    /// The operating-system account with this uid, or `uid:N` when it has no name.
    public static func accountName(uid: uid_t) -> String {
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return "uid:\(uid)"
    }
}
