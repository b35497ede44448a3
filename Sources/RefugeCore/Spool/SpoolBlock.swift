import Foundation

/// One block of a spool file, the unit every hook appends in one write (Docs/Hooks.md, "The spool"):
///
///     <kind> <uptime>        the header: a letter, and /proc/uptime when it was written (`-` without one)
///     =<key> <value>         metadata, any number (`=env GL_USER=alice`, `=hook post-checkout`)
///     <line>                 the hook's input, as git passed it
///     .                      the end: a block without it was interrupted
///
/// The one type that reads and writes the format in Swift: the shims write it in sh (Hooks/),
/// `pre-receive` through `render()`, and the drain reads every block through `SpoolFile`.
struct SpoolBlock {
    enum Kind: Character, CaseIterable {
        /// reference-transaction "prepared": the values refs held where git passed a zero old id.
        case prepared = "P"
        /// reference-transaction "committed" (and post-checkout): `<old> <new> <ref>` as git passed them.
        case committed = "C"
        /// pre-push: what a clone is about to push.
        case push = "S"
        /// post-receive: what a server accepted.
        case accepted = "A"
        /// pre-receive: what a server's policy refused.
        case rejected = "R"
    }

    /// A block's `=key value` lines, in order.
    struct Metadata {
        var entries: [(key: String, value: String)] = []
        func first(_ key: String) -> String? { entries.first { $0.key == key }?.value }
        func all(_ key: String) -> [String] { entries.filter { $0.key == key }.map(\.value) }
        mutating func append(_ key: String, _ value: String) { entries.append((key, value)) }
    }

    /// A line of the hook's input, with its line number in the file (0 in a block being written).
    struct Line {
        let number: Int
        let text: Substring
    }

    var kind: Kind
    var uptime: Double?
    var metadata = Metadata()
    var lines: [Line] = []
    /// The header's line number in its file (0 for a block being written).
    var firstLine = 0

    init(kind: Kind, uptime: Double?, metadata: Metadata = Metadata(), lines: [String] = []) {
        self.kind = kind
        self.uptime = uptime
        self.metadata = metadata
        self.lines = lines.map { Line(number: 0, text: Substring($0)) }
    }

    /// The block as the spool holds it, metadata first. No value may contain a newline: callers leave
    /// such a value out (a pusher's name from the environment, say), as the shims do.
    func render() -> String {
        var text = "\(kind.rawValue) \(uptime.map { String(format: "%.2f", $0) } ?? "-")\n"
        for (key, value) in metadata.entries { text += "=\(key) \(value)\n" }
        for line in lines { text += "\(line.text)\n" }
        return text + ".\n"
    }

    /// `<letter> <uptime>`: a block's first line, or nil when `line` is not one.
    static func header(_ line: Substring) -> (kind: Kind, uptime: Double?)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 1, let kind = parts[0].first.flatMap(Kind.init(rawValue:)),
              parts[1] == "-" || Double(parts[1]) != nil
        else { return nil }
        return (kind, Double(parts[1]))
    }

    /// A `=key value` line's parts, or nil for an input line.
    static func metadataEntry(_ line: Substring) -> (key: String, value: String)? {
        guard line.hasPrefix("=") else { return nil }
        let entry = line.dropFirst()
        let key = entry.prefix { $0 != " " }
        return (String(key), String(entry.dropFirst(key.count + 1)))
    }
}

/// What Refuge's hooks wrote for one git process: its blocks in order, and what did not parse.
struct SpoolFile {
    var blocks: [SpoolBlock] = []
    /// Lines outside any block, and blocks that were interrupted: reported, never recorded.
    var problems: [String] = []
    /// The file ends inside a block (no closing `.` yet, or a line cut short): written now, or interrupted.
    var lastBlockOpen = false

    /// A hook killed half-way (SIGKILL, a full disk) leaves its block without the closing `.`, and may leave
    /// a last line cut short. Such a block keeps its complete lines: they are updates git made, and losing
    /// them would lose records. The cut line is reported and dropped.
    init(text: String) {
        var current: SpoolBlock?
        var all = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let last = all.last, !last.isEmpty {
            lastBlockOpen = true
            problems.append("line \(all.count): cut short (the hook was interrupted), not recorded: \(String(last).debugDescription)")
        }
        all.removeLast()  // "" after the final newline, or the cut line
        func interrupted(_ block: SpoolBlock) {
            problems.append("the block at line \(block.firstLine) was interrupted; its complete lines are recorded")
            blocks.append(block)
        }
        for (index, line) in all.enumerated() where !line.isEmpty {
            let number = index + 1
            if let header = SpoolBlock.header(line) {
                if let open = current { interrupted(open) }
                current = SpoolBlock(kind: header.kind, uptime: header.uptime)
                current?.firstLine = number
            } else if current == nil {
                problems.append("line \(number): expected a block header, got \(String(line).debugDescription)")
            } else if line == "." {
                blocks.append(current!)
                current = nil
            } else if let entry = SpoolBlock.metadataEntry(line) {
                current?.metadata.append(entry.key, entry.value)
            } else {
                current?.lines.append(SpoolBlock.Line(number: number, text: line))
            }
        }
        if let open = current {
            lastBlockOpen = true
            interrupted(open)
        }
    }
}
