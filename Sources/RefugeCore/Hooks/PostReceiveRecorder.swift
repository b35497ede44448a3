import Foundation
import GitKit

/// Server side: records each ref a push updated, as `accepted`, with the pusher and push options.
/// post-receive runs after the refs moved, outside quarantine: every pushed object is readable.
public enum PostReceiveRecorder {
    public static func record(input: String, context: HookContext) -> HookOutcome {
        var outcome = HookOutcome()
        let parsed = ReceiveLine.parse(input, hook: .postReceive)
        outcome.warnings += parsed.malformed.map { "refuge: warning: \($0)" }
        let classifier = UpdateClassifier(repository: context.repository)
        let batch = UUID().uuidString
        let pusher = Identity.serverPusher(environment: context.environment)
        let options = Identity.pushOptions(environment: context.environment)
        var events: [AuditEvent] = []
        for update in parsed.lines {
            let classification: Classification
            do {
                classification = try classifier.classify(update)
            } catch {
                outcome.warnings.append("refuge: warning: cannot analyse \(update.ref): \(error); recorded as forced")
                classification = Classification(kind: update.new == nil ? .delete : .forced, dropped: nil)
            }
            events.append(AuditEvent(
                time: context.now, side: .server, hook: .postReceive, repository: context.repository.auditIdentity,
                update: update, kind: classification.kind, dropped: classification.dropped, status: .accepted,
                batch: batch, pusher: pusher, pushOptions: options, processID: context.gitProcessID))
        }
        HookRecording.save(events, context: context, gitProcessFinished: true, outcome: &outcome)
        return outcome
    }
}
