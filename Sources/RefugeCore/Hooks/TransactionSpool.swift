import Foundation
import GitKit

/// What the `reference-transaction` shim wrote for one git process (see Hooks/reference-transaction).
struct TransactionSpoolFile {
    enum Block {
        /// Values refs held when git passed their old id as zero (read in the "prepared" state).
        case prepared(uptime: Double?, values: [String: ObjectID])
        /// A committed transaction's lines exactly as git passed them; zero ids are nil.
        case committed(uptime: Double?, lines: [(old: ObjectID?, new: ObjectID?, ref: String)])
    }

    var blocks: [Block] = []
    /// Lines that did not parse, with their line numbers: reported, never recorded.
    var problems: [String] = []

    init(text: String) {
        var lines: [(ObjectID?, ObjectID?, String)] = []
        var values: [String: ObjectID] = [:]
        var header: (kind: Character, uptime: Double?)?
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if line.isEmpty { continue }
            guard let current = header else {
                let parts = line.split(separator: " ")
                if parts.count == 2, parts[0] == "C" || parts[0] == "P" {
                    header = (parts[0].first!, Double(parts[1]))
                } else {
                    problems.append("line \(number): expected a block header, got \(String(line).debugDescription)")
                }
                continue
            }
            if line == "." {
                blocks.append(current.kind == "C"
                    ? .committed(uptime: current.uptime, lines: lines)
                    : .prepared(uptime: current.uptime, values: values))
                lines = []
                values = [:]
                header = nil
                continue
            }
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            if current.kind == "C", fields.count == 3, let ids = Self.ids(fields[0], fields[1]) {
                lines.append((ids.old, ids.new, String(fields[2])))
            } else if current.kind == "P", fields.count == 2, let value = ObjectID(hex: fields[0]) {
                values[String(fields[1])] = value
            } else if current.kind == "P" {
                continue  // an unreadable ref file (a symbolic ref's text, say): its old value stays unknown
            } else {
                problems.append("line \(number): expected <old> <new> <ref>, got \(String(line).debugDescription)")
            }
        }
        if header != nil {
            problems.append("the last block is incomplete (the hook was interrupted); its lines are not recorded")
        }
    }
}

extension TransactionSpoolFile {
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
}

extension TransactionSpoolFile {
    /// The ref updates this git process made, with git's noise removed:
    /// pseudorefs (ORIG_HEAD…), the duplicate HEAD line of an update through HEAD, zero-to-zero lines,
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
            case .committed(let uptime, let lines):
                transaction += 1
                defer { valuesBefore = [:] }
                let pairs = Set(lines.filter { $0.ref != "HEAD" }.map { "\($0.old?.hex ?? "") \($0.new?.hex ?? "")" })
                for line in lines {
                    guard line.ref == "HEAD" || line.ref.hasPrefix("refs/") else { continue }
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
                        oldNeedsResolution: line.old == nil && old == nil))
                }
            }
        }
        return result
    }
}
