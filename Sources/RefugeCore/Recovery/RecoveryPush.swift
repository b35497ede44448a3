import Foundation
import GitKit

/// `recover --push REMOTE`: publishes a recovered ref with a lease on the exact value it replaces there.
///
/// This runs `git push`: libgit2 1.5 cannot push with a lease (it has no compare-and-swap push option), and a
/// push must go through the user's own transport, credentials and hooks, which only git has.
public struct RecoveryPush {
    public struct Result: Sendable {
        public let remote: String
        public let ref: String
        /// The value the lease expected on the remote (nil: that the branch is absent there).
        public let expected: ObjectID?
        public let pushed: Bool
        /// git's porcelain status line for the ref, or its error.
        public let detail: String
        /// git's porcelain flag `=`: the remote already held that very value, so nothing was pushed (and
        /// the lease was not needed).
        public var upToDate: Bool { pushed && detail.hasPrefix("=") }
    }

    public enum Failure: Error, CustomStringConvertible {
        case noTrackingRef(remote: String, ref: String)
        case cannotRun(String)

        public var description: String {
            switch self {
            case .noTrackingRef(let remote, let ref):
                return "cannot push \(ref) to \(remote) with a lease: no remote-tracking ref maps it "
                    + "(is \(remote) a configured remote? git fetch \(remote) first)"
            case .cannotRun(let reason): return "cannot run git push: \(reason)"
            }
        }
    }

    /// Pushes `ref` (local name = remote name) to `remote`, expecting the remote to hold what its
    /// remote-tracking ref says: if anyone pushed meanwhile, git refuses and nothing is overwritten.
    public static func push(_ ref: String, to remote: String, repository: Repository) throws -> Result {
        guard let tracking = try repository.trackingReference(remote: remote, remoteReference: ref) else {
            throw Failure.noTrackingRef(remote: remote, ref: ref)
        }
        let expected = (try? repository.resolveReference(tracking)) ?? nil
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "git", "--git-dir=\(repository.gitDirectory)", "push", "--porcelain",
            "--force-with-lease=\(ref):\(expected?.hex ?? "")", remote, "\(ref):\(ref)",
        ]
        if let workTree = repository.workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workTree) }
        let output = Pipe()
        process.standardOutput = output  // git's own messages go to the user's stderr, as they would
        do {
            try process.run()
        } catch {
            throw Failure.cannotRun("\(error)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let line = text.split(separator: "\n").first { $0.contains("\t\(ref):\(ref)\t") }
            .map { String($0).replacingOccurrences(of: "\t", with: " ") }
        return Result(
            remote: remote, ref: ref, expected: expected, pushed: process.terminationStatus == 0,
            detail: line ?? "git push exited with status \(process.terminationStatus)")
    }
}
