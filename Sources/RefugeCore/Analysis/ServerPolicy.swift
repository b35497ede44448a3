import Foundation
import GitKit

/// A server's policy for force pushes (`refuge.protect`, `refuge.allowForce`), applied in pre-receive.
public struct ServerPolicy: Sendable {
    /// Ref patterns as git writes them (`refs/heads/main`, `refs/heads/release/*`); `*` also matches `/`.
    public let protected: [String]
    /// Pushers who may force-push or delete protected refs.
    public let allowForce: Set<String>

    public static func load(from repository: Repository) throws -> ServerPolicy {
        ServerPolicy(
            protected: try repository.configStrings("refuge.protect"),
            allowForce: Set(try repository.configStrings("refuge.allowForce")))
    }

    public var isEmpty: Bool { protected.isEmpty }

    public func protects(_ ref: String) -> Bool {
        protected.contains { fnmatch($0, ref, 0) == 0 }
    }

    public struct Refusal: Sendable {
        public let update: RefUpdate
        public let classification: Classification
        public let reason: String
        public let dropped: [CommitSummary]
    }

    /// The updates this policy refuses: forced updates and deletions of protected refs by anyone not allowed.
    public func refusals(of updates: [RefUpdate], pusher: String, repository: Repository) throws -> [Refusal] {
        guard !isEmpty, !allowForce.contains(pusher) else { return [] }
        let classifier = UpdateClassifier(repository: repository)
        return try updates.compactMap { update in
            guard protects(update.ref) else { return nil }
            let classification = try classifier.classify(update)
            guard classification.kind.canDropCommits else { return nil }
            let what = classification.kind == .delete ? "deletion" : "forced update"
            let reason = "\(what) of protected \(update.ref) (refuge.protect) by \(pusher), who is not in refuge.allowForce"
            let dropped = try classifier.droppedCommits(update, kind: classification.kind, limit: 20) ?? []
            return Refusal(update: update, classification: classification, reason: reason, dropped: dropped)
        }
    }
}
