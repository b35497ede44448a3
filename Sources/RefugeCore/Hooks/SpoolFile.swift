import Foundation
import GitKit

/// What Refuge's hook shims wrote for one git process (see Hooks/ and Docs/Hooks.md): a file of blocks,
/// each a header line `<letter> <uptime>`, its lines, and a closing `.` line.
struct SpoolFile {
    enum Block {
        /// reference-transaction, "prepared": values refs held when git passed their old id as zero.
        case prepared(uptime: Double?, values: [String: ObjectID])
        /// reference-transaction, "committed": the lines exactly as git passed them; zero ids are nil.
        /// `consumed`: refs whose deletion the shim saw as git consuming them (`=consumed refs/stash`:
        /// `git stash pop` applied the last entry). `hook`: the shim that saw it (`=hook post-checkout`: HEAD
        /// went back to a branch, which git 2.39 makes without a transaction).
        case committed(uptime: Double?, lines: [(old: ObjectID?, new: ObjectID?, ref: String)], consumed: Set<String>,
                       hook: HookName)
        /// pre-push: the hook's input, what it was told about the remote, and which overwritten tips
        /// were missing from this clone when it pushed.
        case push(uptime: Double?, input: String, metadata: Metadata)
        /// post-receive: the hook's input, with the pusher's variables and the push options.
        case accepted(uptime: Double?, input: String, metadata: Metadata)
        /// pre-receive: the updates the server's policy refused, with the pusher and each reason.
        case rejected(uptime: Double?, input: String, metadata: Metadata)
    }

    /// A block's `=key value` lines, in order.
    struct Metadata {
        var entries: [(key: String, value: String)] = []
        func first(_ key: String) -> String? { entries.first { $0.key == key }?.value }
        func all(_ key: String) -> [String] { entries.filter { $0.key == key }.map(\.value) }
    }

    var blocks: [Block] = []
    /// `=packed <oid> <ref>` lines of P blocks: packed-refs lines a deletion or `pack-refs` removed while
    /// the ref's loose value differed (stale lines). The drain resolves an earlier update's old value from
    /// them once the line itself is gone.
    var packedLines: [(ref: String, value: ObjectID)] = []
    /// Lines that did not parse, with their line numbers: reported, never recorded.
    var problems: [String] = []
    /// The file ends inside a block (no closing `.` yet, or a line cut short): written now, or interrupted.
    var lastBlockOpen = false

    /// A hook killed half-way (SIGKILL, a full disk) leaves its block without the closing `.`, and may leave
    /// a last line cut short. Such a block keeps its complete lines: they are updates git made, and losing
    /// them would lose records. The cut line is reported and dropped.
    init(text: String) {
        var lines: [(ObjectID?, ObjectID?, String)] = []
        var consumed: Set<String> = []
        var hook = HookName.referenceTransaction
        var values: [String: ObjectID] = [:]
        var input: [Substring] = []
        var metadata = Metadata()
        var header: (kind: Character, uptime: Double?, line: Int)?
        var number = 0
        func close() {
            guard let current = header else { return }
            switch current.kind {
            case "C": blocks.append(.committed(uptime: current.uptime, lines: lines, consumed: consumed, hook: hook))
            case "P": blocks.append(.prepared(uptime: current.uptime, values: values))
            case "S": blocks.append(.push(uptime: current.uptime, input: input.joined(separator: "\n"), metadata: metadata))
            case "R": blocks.append(.rejected(uptime: current.uptime, input: input.joined(separator: "\n"), metadata: metadata))
            default: blocks.append(.accepted(uptime: current.uptime, input: input.joined(separator: "\n"), metadata: metadata))
            }
            (lines, values, input, metadata, header) = ([], [:], [], Metadata(), nil)
            consumed = []
            hook = .referenceTransaction
        }
        var all = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let last = all.last, !last.isEmpty {
            lastBlockOpen = true
            problems.append("line \(all.count): cut short (the hook was interrupted), not recorded: \(String(last).debugDescription)")
        }
        all.removeLast()  // "" after the final newline, or the cut line
        for line in all {
            number += 1
            if line.isEmpty { continue }
            if let next = Self.header(line) {
                if let open = header {
                    problems.append("the block at line \(open.line) was interrupted; its complete lines are recorded")
                    close()
                }
                header = (next.kind, next.uptime, number)
                continue
            }
            guard let current = header else {
                problems.append("line \(number): expected a block header, got \(String(line).debugDescription)")
                continue
            }
            if line == "." {
                close()
                continue
            }
            switch current.kind {
            case "S", "A", "R":
                if line.hasPrefix("=") {
                    let entry = line.dropFirst()
                    let key = entry.prefix { $0 != " " }
                    metadata.entries.append((String(key), String(entry.dropFirst(key.count + 1))))
                } else {
                    input.append(line)  // parsed, and reported line by line, by the hook's own parser
                }
            case "C" where line.hasPrefix("=consumed "):
                consumed.insert(String(line.dropFirst("=consumed ".count)))
            case "C" where line == "=hook post-checkout":
                hook = .postCheckout
            case "C":
                let fields = line.split(separator: " ", omittingEmptySubsequences: false)
                if fields.count == 3, let ids = Self.ids(fields[0], fields[1]) {
                    lines.append((ids.old, ids.new, String(fields[2])))
                } else {
                    problems.append("line \(number): expected <old> <new> <ref>, got \(String(line).debugDescription)")
                }
            case "P" where line.hasPrefix("=packed "):
                let fields = line.dropFirst("=packed ".count).split(separator: " ", omittingEmptySubsequences: false)
                if fields.count == 2, let value = ObjectID(hex: fields[0]) {
                    packedLines.append((ref: String(fields[1]), value: value))
                }
            default:
                let fields = line.split(separator: " ", omittingEmptySubsequences: false)
                // An unreadable ref file (a symbolic ref's text, say) leaves that old value unknown.
                if fields.count == 2, let value = ObjectID(hex: fields[0]) { values[String(fields[1])] = value }
            }
        }
        if let open = header {
            lastBlockOpen = true
            problems.append("the block at line \(open.line) was interrupted; its complete lines are recorded")
            close()
        }
    }

    /// `<letter> <uptime>`: a block's first line (the uptime may be `-` where /proc/uptime is missing).
    private static func header(_ line: Substring) -> (kind: Character, uptime: Double?)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 1, let letter = parts[0].first, "CPSAR".contains(letter),
              parts[1] == "-" || Double(parts[1]) != nil
        else { return nil }
        return (letter, Double(parts[1]))
    }
}

extension SpoolFile {
    /// Both fields parsed (zero is nil), or nil when either is not an object id.
    fileprivate static func ids(_ old: Substring, _ new: Substring) -> (old: ObjectID?, new: ObjectID?)? {
        do {
            return (try HookObjectID.parse(old), try HookObjectID.parse(new))
        } catch {
            return nil
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
    var hook = HookName.referenceTransaction
}

extension SpoolFile {
    /// The ref updates this git process made, with git's noise removed:
    /// pseudorefs (ORIG_HEAD…), Refuge's pins, the duplicate HEAD line of an update through HEAD, zero-to-zero lines,
    /// and `pack-refs` (which rewrites every ref to its own value, then deletes the loose copies).
    func updates() -> [SpooledUpdate] {
        var result: [SpooledUpdate] = []
        var valuesBefore: [String: ObjectID] = [:]
        var packedInPlace: Set<String> = []
        var transaction = 0
        for block in blocks {
            switch block {
            case .prepared(_, let values):
                valuesBefore.merge(values) { _, newer in newer }
            case .push, .accepted, .rejected:
                continue
            case .committed(let uptime, let lines, let consumed, let hook):
                transaction += 1
                defer { valuesBefore = [:] }
                let pairs = Set(lines.filter { $0.ref != "HEAD" }.map { "\($0.old?.hex ?? "") \($0.new?.hex ?? "")" })
                for line in lines {
                    guard line.ref == "HEAD" || line.ref.hasPrefix("refs/") else { continue }
                    if line.ref.hasPrefix(Pins.namespace) { continue }  // Refuge's own pins: the pin table records them
                    if line.ref == "HEAD" && pairs.contains("\(line.old?.hex ?? "") \(line.new?.hex ?? "")") { continue }
                    let old = line.old ?? valuesBefore[line.ref]
                    if line.old == nil, let new = line.new, old == new {
                        packedInPlace.insert("\(line.ref) \(new.hex)")  // pack-refs writing a ref's own value
                        continue
                    }
                    if line.new == nil, let old, packedInPlace.contains("\(line.ref) \(old.hex)") { continue }
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
