import Foundation
import GitKit

/// Turns what the pre-push, post-receive and pre-receive hooks recorded (their input parsed once, by
/// `HookRecord`) into audit events.
struct HookEvents {
    let repository: Repository
    let classifier: UpdateClassifier
    /// The git process the spool file belongs to, and the account that wrote it.
    let gitProcess: Int64
    let owner: uid_t

    /// post-receive: one `accepted` server event per updated ref. The pusher is the first of
    /// `Identity.serverPusherVariables` the hook saw, else the account receive-pack ran as.
    func accepted(_ parsed: ParsedHookInput<RefUpdate>, metadata: SpoolBlock.Metadata, time: Date, warnings: inout [String])
        -> [AuditEvent]
    {
        warnings += parsed.malformed.map(\.description)
        let (pusher, address) = (pusher(metadata), address(metadata))
        let options = metadata.all("option")
        let batch = UUID().uuidString
        return parsed.lines.map { update in
            let classification = classify(update, warnings: &warnings)
            return AuditEvent(
                time: time, side: .server, source: .hook(.postReceive), repository: repository.auditIdentity, update: update,
                kind: classification.kind, dropped: classification.dropped, status: .accepted, batch: batch,
                pusher: pusher, pushOptions: options.isEmpty ? nil : options, processID: gitProcess, address: address)
        }
    }

    /// pre-receive: one `rejected` server event per update the policy refused, with its reason, kind and
    /// dropped count as the hook computed them (the refused objects are gone by now).
    func rejected(_ parsed: ParsedHookInput<RefUpdate>, metadata: SpoolBlock.Metadata, time: Date, warnings: inout [String])
        -> [AuditEvent]
    {
        warnings += parsed.malformed.map(\.description)
        func perRef(_ key: String) -> [String: String] {
            Dictionary(metadata.all(key).map { entry -> (String, String) in
                let ref = entry.prefix { $0 != " " }
                return (String(ref), String(entry.dropFirst(ref.count + 1)))
            }, uniquingKeysWith: { first, _ in first })
        }
        let (kinds, dropped, reasons) = (perRef("kind"), perRef("dropped"), perRef("reason"))
        let batch = UUID().uuidString
        return parsed.lines.map { update in
            AuditEvent(
                time: time, side: .server, source: .hook(.preReceive), repository: repository.auditIdentity, update: update,
                kind: kinds[update.ref].flatMap(UpdateKind.init(rawValue:)) ?? (update.new == nil ? .delete : .forced),
                dropped: dropped[update.ref].flatMap { Int($0) }, status: .rejected, batch: batch,
                pusher: pusher(metadata), processID: gitProcess, reason: reasons[update.ref], address: address(metadata))
        }
    }

    /// The server's pusher from the `=env` lines the hook wrote, else the spool file's owner.
    func pusher(_ metadata: SpoolBlock.Metadata) -> String {
        Identity.serverPusher(in: variables(metadata))?.name ?? Identity.accountName(uid: owner)
    }

    /// Where the push came from, from the same lines; nil when the front end said nothing.
    func address(_ metadata: SpoolBlock.Metadata) -> String? {
        Identity.remoteAddress(in: variables(metadata))
    }

    private func variables(_ metadata: SpoolBlock.Metadata) -> [String: String] {
        Dictionary(metadata.all("env").compactMap { entry -> (String, String)? in
            guard let equals = entry.firstIndex(of: "=") else { return nil }
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }, uniquingKeysWith: { first, _ in first })
    }

    /// pre-push: one `attempted` client event per ref; `ref` is the remote's. An overwritten tip this clone
    /// did not have when it pushed makes the update forced with dropped unknown.
    func pushed(_ parsed: ParsedHookInput<PrePushLine>, metadata: SpoolBlock.Metadata, time: Date, warnings: inout [String])
        -> [(event: AuditEvent, trackingRef: String?)]
    {
        warnings += parsed.malformed.map(\.description)
        let remote = metadata.first("remote") ?? ""
        let url = RemoteURL.redacted(metadata.first("url") ?? "")
        let pushedToURL = remote == url || remote.isEmpty
        let missing = Set(metadata.all("missing").compactMap { ObjectID(hex: $0) })
        let pusher = Identity.localPusher(repository: repository, uid: owner)
        let batch = UUID().uuidString
        let refspecs = pushedToURL ? nil : try? repository.fetchRefspecs(of: remote)  // once, not once per ref
        return parsed.lines.map { line in
            let update = line.update
            let trackingRef = try? refspecs?.trackingReference(for: update.ref)
            let classification: Classification
            if let old = update.old, missing.contains(old) {
                classification = Classification(kind: update.new == nil ? .delete : .forced, dropped: nil)
            } else {
                classification = classify(update, warnings: &warnings) {
                    // After the deletion, the remote-tracking ref of the deleted branch goes too.
                    try classifier.remainingTips(excluding: Set(trackingRef.map { [$0] } ?? []))
                }
            }
            let event = AuditEvent(
                time: time, side: .client, source: .hook(.prePush), repository: repository.auditIdentity, update: update,
                kind: classification.kind, dropped: classification.dropped, status: .attempted, batch: batch,
                pusher: pusher, remote: pushedToURL ? nil : RemoteURL.redacted(remote), url: url,
                localRef: line.localRef, processID: gitProcess)
            return (event, trackingRef ?? nil)
        }
    }

    func classify(_ update: RefUpdate, warnings: inout [String], keptRefs: (() throws -> [ObjectID])? = nil)
        -> Classification
    {
        do {
            return try classifier.classify(update, keptRefs: keptRefs)
        } catch {
            warnings.append("cannot analyse \(update.ref): \(error); recorded with dropped unknown")
            return Classification(kind: update.new == nil ? .delete : update.old == nil ? .create : .forced, dropped: nil)
        }
    }
}
