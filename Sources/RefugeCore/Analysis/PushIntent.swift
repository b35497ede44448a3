import Foundation
import GitKit

/// Whether the `git push` running a pre-push hook asked to force an update, read from its command line and
/// the remote's push configuration. git gives pre-push no such flag: this is a heuristic (Docs/Hooks.md).
///
/// Why it matters: git hands pre-push an update over a remote tip the clone never fetched even when the push
/// is not forced, and only then refuses it ("fetch first"). Such a push drops nothing and is no force push;
/// warning about it, or refusing it with `refuge.prePush=block`, would hide git's own hint to pull first.
/// (Over a tip the clone has, git refuses a plain non-fast-forward before pre-push runs.)
public struct PushIntent: Sendable, Equatable {
    /// `--force`, `-f`, `--force-with-lease`, `--mirror`, or a mirror remote: every update may be forced.
    public var forcesAll = false
    /// The destinations of `+` refspecs (on the command line, else `remote.<name>.push`), as written.
    public var forcedRefspecs: [String] = []

    /// Parses git's arguments (`git [-c …] push [options] [remote] [refspec…]`).
    public init(arguments given: [String], configuredPush: [String] = [], mirror: Bool = false) {
        // /proc/<pid>/cmdline ends each argument with a NUL: the last one ends the last argument, it does
        // not start an empty one.
        var arguments = given
        if arguments.last == "" { arguments.removeLast() }
        guard let push = arguments.firstIndex(of: "push") else {
            forcesAll = true  // not a command line we understand: assume the worst, as before
            return
        }
        var positional: [String] = []
        var index = push + 1
        var endOfOptions = false
        // Options of `git push` that take their value as the next argument.
        // (`--signed` takes an optional value, given only as `--signed=…`.)
        let valued: Set<String> = ["-o", "--push-option", "--repo", "--receive-pack", "--exec"]
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if endOfOptions || !argument.hasPrefix("-") || argument == "-" {
                positional.append(argument)
                continue
            }
            if argument == "--" { endOfOptions = true; continue }
            if argument == "--force" || argument == "--mirror" || argument.hasPrefix("--force-with-lease") {
                forcesAll = true
            } else if valued.contains(argument) {
                index += 1
            } else if !argument.hasPrefix("--") {
                // A cluster of short options (`-fu`): `o` takes the rest of the cluster as its value, or the
                // next argument when it is the cluster's last letter (`-uo value`, but `-ofoo`).
                let letters = Array(argument.dropFirst())
                for (position, letter) in letters.enumerated() {
                    if letter == "f" { forcesAll = true }
                    if letter == "o" {
                        if position == letters.count - 1 { index += 1 }
                        break
                    }
                }
            }
        }
        if mirror { forcesAll = true }
        let refspecs = positional.dropFirst()  // the first is the remote
        let effective = refspecs.isEmpty ? configuredPush : Array(refspecs)
        forcedRefspecs = effective.filter { $0.hasPrefix("+") }.map { spec in
            let body = spec.dropFirst()
            return String(body.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).last ?? body)
        }
    }

    /// The intent of the git process `pid` pushing to `remote`; nil when its command line cannot be read
    /// (not Linux, or the process is gone): callers then assume the push may be forced.
    public static func of(gitProcess pid: Int32, remote: String, repository: Repository) -> PushIntent? {
        guard pid > 1, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        let arguments = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        let configured = (try? repository.configStrings("remote.\(remote).push")) ?? []
        let mirror = ((try? repository.configBool("remote.\(remote).mirror")) ?? nil) ?? false
        return PushIntent(arguments: arguments, configuredPush: configured, mirror: mirror)
    }

    /// Whether the update of `remoteRef` (a full ref name on the remote) was asked to be forced.
    public func forces(_ remoteRef: String) -> Bool {
        if forcesAll { return true }
        let short = remoteRef.replacingOccurrences(of: "refs/heads/", with: "").replacingOccurrences(of: "refs/tags/", with: "")
        return forcedRefspecs.contains { destination in
            destination.isEmpty || destination == "HEAD" || destination == remoteRef || destination == short
                || destination.contains("*") && fnmatch(destination, remoteRef, 0) == 0
                || destination.contains("*") && fnmatch(destination, short, 0) == 0
        }
    }
}
