import Foundation
import GitKit

/// The configuration in effect for a repository: what `status` and `doctor` show, and what the hooks
/// apply. Read once; a value that is not valid is kept with a problem naming it (the hooks fall back to
/// the default and say so), so that every reader agrees on what is in effect.
public struct RefugeConfiguration: Sendable {
    /// `refuge.prePush`: what the pre-push check does with a force push that drops others' work.
    public let prePush: PrePushLeaseCheck.Mode
    /// `refuge.protect` and `refuge.allowForce`: the server's policy (empty: no pre-receive check).
    public let policy: ServerPolicy
    /// Where the log is, and whether it is shared (`refuge.database`, `REFUGE_DATABASE`, `refuge.sharedDatabase`).
    public let location: AuditLocation
    /// Where `location` came from: `REFUGE_DATABASE`, `refuge.database`, or the default.
    public let databaseSource: String
    /// Values that are not valid, each with what is used instead.
    public let problems: [String]

    public static func read(for repository: Repository, environment: [String: String]) throws -> RefugeConfiguration {
        let (prePush, problem) = PrePushLeaseCheck.Mode.configured(in: repository)
        var problems = problem.map { [$0] } ?? []
        let policy: ServerPolicy
        do {
            policy = try ServerPolicy.load(from: repository)
        } catch {
            problems.append("cannot read refuge.protect or refuge.allowForce: \(error)")
            policy = ServerPolicy(protected: [], allowForce: [])
        }
        let databaseSource = environment["REFUGE_DATABASE"].map { $0.isEmpty ? nil : "REFUGE_DATABASE" } ?? nil
        return RefugeConfiguration(
            prePush: prePush, policy: policy,
            location: try AuditLocation.resolve(for: repository, environment: environment),
            databaseSource: databaseSource ?? ((try? repository.configString("refuge.database")) != nil ? "refuge.database" : "default"),
            problems: problems)
    }
}

extension RefugeConfiguration {
    /// The settings in words, one line each, as `status` and `doctor` print them.
    public var summary: [String] {
        [
            "refuge.prePush: \(prePush.rawValue)",
            "refuge.protect: " + (policy.protected.isEmpty ? "nothing (no pre-receive check)" : policy.protected.joined(separator: " ")),
            "refuge.allowForce: " + (policy.allowForce.isEmpty ? "nobody" : policy.allowForce.sorted().joined(separator: " ")),
            "audit log: \(location.databasePath) (\(databaseSource))"
                + (location.shared ? ", shared with the group (refuge.sharedDatabase)" : ", this account's only"),
        ]
    }
}

extension PrePushLeaseCheck.Mode {
    /// `refuge.prePush` as configured (`warn` when unset), and a problem when its value is not a mode.
    public static func configured(in repository: Repository) -> (mode: Self, problem: String?) {
        guard let configured = (try? repository.configString("refuge.prePush")) ?? nil else { return (.warn, nil) }
        if let mode = Self(rawValue: configured.lowercased()) { return (mode, nil) }
        return (.warn, "refuge.prePush is '\(configured)'; expected warn, block or off (using warn)")
    }
}
