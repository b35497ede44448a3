import Foundation

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
