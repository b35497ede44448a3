import Foundation
import GitKit

/// Client side: records each ref a push is about to update on the remote, as `attempted`.
/// The row becomes `confirmed` when the drain sees this same `git push` update the remote-tracking ref.
public enum PrePushRecorder {
    public static func record(input: String, remote: String, url: String, context: HookContext) -> HookOutcome {
        var outcome = HookOutcome()
        let parsed = PrePushLine.parse(input)
        outcome.warnings += parsed.malformed.map { "refuge: warning: \($0)" }
        let classifier = UpdateClassifier(repository: context.repository)
        let batch = UUID().uuidString
        let pushedToURL = remote == url
        var events: [AuditEvent] = []
        for line in parsed.lines {
            let classification: Classification
            do {
                classification = try classifier.classify(line.update) {
                    // After the deletion, the remote-tracking ref of the deleted branch goes too.
                    let tracking = pushedToURL ? nil
                        : try context.repository.trackingReference(remote: remote, remoteReference: line.update.ref)
                    return try classifier.remainingTips(excluding: tracking.map { [$0] } ?? [])
                }
            } catch {
                outcome.warnings.append("refuge: warning: cannot analyse \(line.update.ref): \(error); recorded as forced")
                classification = Classification(kind: line.update.new == nil ? .delete : .forced, dropped: nil)
            }
            events.append(AuditEvent(
                time: context.now, side: .client, hook: .prePush, repository: context.repository.auditIdentity,
                update: line.update, kind: classification.kind, dropped: classification.dropped,
                status: .attempted, batch: batch, pusher: Identity.localPusher(repository: context.repository, uid: geteuid()),
                remote: pushedToURL ? nil : RemoteURL.redacted(remote), url: RemoteURL.redacted(url), localRef: line.localRef,
                processID: context.gitProcessID))
        }
        HookRecording.save(events, context: context, outcome: &outcome)
        return outcome
    }
}
