import Foundation
import GitKit

/// One spool block read for what it means: each hook's input parsed once, into precise types.
enum HookRecord {
    /// reference-transaction "prepared": values refs held where git passed a zero old id, and the stale
    /// packed-refs lines a deletion or `pack-refs` removed (`=packed <oid> <ref>`).
    case prepared(uptime: Double?, values: [String: ObjectID], packed: [(ref: String, value: ObjectID)])
    /// reference-transaction "committed": the lines as git passed them (zero ids are nil). `consumed`: refs
    /// whose deletion the shim saw as git consuming them (`git stash pop` applied the last entry). `hook`:
    /// the shim that saw it (post-checkout for HEAD's return to a branch, made without a transaction).
    case committed(uptime: Double?, lines: [CommittedLine], consumed: Set<String>, hook: GitHook)
    /// pre-push: the parsed input, what it was told about the remote, the tips this clone lacked.
    case push(uptime: Double?, input: ParsedHookInput<PrePushLine>, metadata: SpoolBlock.Metadata)
    /// post-receive: the parsed input, with the pusher's variables and the push options.
    case accepted(uptime: Double?, input: ParsedHookInput<RefUpdate>, metadata: SpoolBlock.Metadata)
    /// pre-receive: the updates the server's policy refused, with the pusher and each reason.
    case rejected(uptime: Double?, input: ParsedHookInput<RefUpdate>, metadata: SpoolBlock.Metadata)

    /// `<old> <new> <ref>` of a committed transaction; nil for git's zero id.
    struct CommittedLine {
        let old: ObjectID?
        let new: ObjectID?
        let ref: String
    }

    /// Reads `block`; lines that are not what its hook writes go to `problems`, with their line numbers.
    init(_ block: SpoolBlock, problems: inout [SpoolFile.Problem]) {
        let input = block.lines.map(\.text)
        switch block.kind {
        case .prepared:
            var values: [String: ObjectID] = [:]
            for line in input {
                let fields = line.split(separator: " ", omittingEmptySubsequences: false)
                // An unreadable ref file (a symbolic ref's text, say) leaves that old value unknown.
                if fields.count == 2, let value = ObjectID(hex: fields[0]) { values[String(fields[1])] = value }
            }
            let packed = block.metadata.all("packed").compactMap { entry -> (ref: String, value: ObjectID)? in
                let fields = entry.split(separator: " ", omittingEmptySubsequences: false)
                guard fields.count == 2, let value = ObjectID(hex: fields[0]) else { return nil }
                return (String(fields[1]), value)
            }
            self = .prepared(uptime: block.uptime, values: values, packed: packed)
        case .committed:
            var lines: [CommittedLine] = []
            func unexpected(_ text: String, at number: Int) {
                problems.append(.init(line: number, text: "line \(number): expected <old> <new> <ref>, got \(text.debugDescription)"))
            }
            for line in block.lines {
                let fields = line.text.split(separator: " ", omittingEmptySubsequences: false)
                // One `try?` over the pair: a `try?` per field would flatten git's zero id (nil) into "not an id".
                if fields.count == 3, let ids = try? (old: HookObjectID.parse(fields[0]), new: HookObjectID.parse(fields[1])) {
                    lines.append(CommittedLine(old: ids.old, new: ids.new, ref: String(fields[2])))
                } else {
                    unexpected(String(line.text), at: line.number)
                }
            }
            // The shims write `=consumed <ref>` and `=hook post-checkout` in C blocks, nothing else.
            for (key, value, number) in block.metadata.entries
            where key != "consumed" && !(key == "hook" && value == GitHook.postCheckout.rawValue) {
                unexpected("=\(key) \(value)", at: number)
            }
            let hook: GitHook = block.metadata.first("hook") == GitHook.postCheckout.rawValue ? .postCheckout : .referenceTransaction
            self = .committed(uptime: block.uptime, lines: lines, consumed: Set(block.metadata.all("consumed")), hook: hook)
        case .push:
            self = .push(uptime: block.uptime, input: PrePushLine.parse(lines: input), metadata: block.metadata)
        case .accepted:
            self = .accepted(uptime: block.uptime, input: ReceiveLine.parse(lines: input, hook: .postReceive), metadata: block.metadata)
        case .rejected:
            self = .rejected(uptime: block.uptime, input: ReceiveLine.parse(lines: input, hook: .preReceive), metadata: block.metadata)
        }
    }
}

/// What one git process's hooks recorded, read: the records in order, and every problem found on the way.
struct HookRecords {
    var records: [HookRecord] = []
    /// Lines and blocks that did not parse, in the file's order: reported, never recorded.
    let problems: [String]

    init(_ file: SpoolFile) {
        var problems = file.problems
        records = file.blocks.map { HookRecord($0, problems: &problems) }
        // Stable: problems met at one line keep the order they were found in.
        self.problems = problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            .map(\.element.text)
    }

    init(text: String) { self.init(SpoolFile(text: text)) }

    /// The stale packed-refs lines the shim kept: what an earlier update's old value may need once
    /// packed-refs and the reflog have lost it.
    var packedLines: [(ref: String, value: ObjectID)] {
        records.flatMap { record -> [(ref: String, value: ObjectID)] in
            if case .prepared(_, _, let packed) = record { return packed }
            return []
        }
    }
}

/// A local update read from the spool, before it is classified and recorded.
struct SpooledUpdate {
    var update: RefUpdate
    var uptime: Double?
    /// Index of the transaction within the file: updates of one transaction share a batch.
    var transaction: Int
    /// git passed zero as the old id and the shim could not read the value: resolve it from the reflog.
    var oldNeedsResolution: Bool
    /// A deletion the shim saw as git consuming the ref (`git stash pop` applying the last stash entry).
    var consumed = false
    /// The shim that spooled it: reference-transaction, or post-checkout for HEAD's return to a branch.
    var hook = GitHook.referenceTransaction
}

extension HookRecords {
    /// The ref updates this git process made, with git's noise removed:
    /// pseudorefs (ORIG_HEAD…), Refuge's pins, the duplicate HEAD line of an update through HEAD, zero-to-zero lines,
    /// and `pack-refs` (which rewrites every ref to its own value, then deletes the loose copies).
    func updates() -> [SpooledUpdate] {
        /// A value change, compared as a pair (the same change of HEAD and of its branch is one update).
        struct Change: Hashable { let old: ObjectID?, new: ObjectID? }
        struct Value: Hashable { let ref: String, value: ObjectID }
        var result: [SpooledUpdate] = []
        var valuesBefore: [String: ObjectID] = [:]
        var packedInPlace: Set<Value> = []
        var transaction = 0
        for record in records {
            switch record {
            case .prepared(_, let values, _):
                valuesBefore.merge(values) { _, newer in newer }
            case .push, .accepted, .rejected:
                continue
            case .committed(let uptime, let lines, let consumed, let hook):
                transaction += 1
                defer { valuesBefore = [:] }
                let changes = Set(lines.filter { $0.ref != "HEAD" }.map { Change(old: $0.old, new: $0.new) })
                for line in lines {
                    guard line.ref == "HEAD" || line.ref.hasPrefix("refs/") else { continue }
                    if RefugeRefs.isRefugeOwned(line.ref) { continue }  // Refuge's own refs (pins): the pin table records them
                    if line.ref == "HEAD" && changes.contains(Change(old: line.old, new: line.new)) { continue }
                    let old = line.old ?? valuesBefore[line.ref]
                    if line.old == nil, let new = line.new, old == new {
                        packedInPlace.insert(Value(ref: line.ref, value: new))  // pack-refs writing a ref's own value
                        continue
                    }
                    if line.new == nil, let old, packedInPlace.contains(Value(ref: line.ref, value: old)) { continue }
                    guard old != line.new, let update = RefUpdate(ref: line.ref, old: old, new: line.new) else { continue }
                    if let previous = result.last, previous.update == update { continue }
                    result.append(SpooledUpdate(
                        update: update, uptime: uptime, transaction: transaction,
                        oldNeedsResolution: line.old == nil && old == nil,
                        consumed: line.new == nil && consumed.contains(line.ref), hook: hook))
                }
            }
        }
        return result
    }
}
