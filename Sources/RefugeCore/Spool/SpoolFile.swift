import Foundation

/// What Refuge's hooks wrote for one git process: its blocks in order, and what did not parse.
struct SpoolFile {
    var blocks: [SpoolBlock] = []
    /// Something that did not parse, placed where the reading met it (`line`), so that problems found
    /// later, in the blocks' lines, take their place among these in the file's order.
    struct Problem {
        let line: Int
        let text: String
    }

    /// Lines outside any block, and blocks that were interrupted: reported, never recorded.
    var problems: [Problem] = []
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
            problems.append(Problem(line: 0, text:  // told first: the file's end is what a reader looks at
                "line \(all.count): cut short (the hook was interrupted), not recorded: \(String(last).debugDescription)"))
        }
        all.removeLast()  // "" after the final newline, or the cut line
        /// Seen at `line`: the next block's header, or the end of the file.
        func interrupted(_ block: SpoolBlock, at line: Int) {
            problems.append(Problem(line: line, text: "the block at line \(block.firstLine) was interrupted; its complete lines are recorded"))
            blocks.append(block)
        }
        for (index, line) in all.enumerated() where !line.isEmpty {
            let number = index + 1
            if let header = SpoolBlock.header(line) {
                if let open = current { interrupted(open, at: number) }
                current = SpoolBlock(kind: header.kind, uptime: header.uptime)
                current?.firstLine = number
            } else if current == nil {
                problems.append(Problem(line: number, text: "line \(number): expected a block header, got \(String(line).debugDescription)"))
            } else if line == "." {
                blocks.append(current!)
                current = nil
            } else if let entry = SpoolBlock.metadataEntry(line) {
                current?.metadata.append(entry.key, entry.value, line: number)
            } else {
                current?.lines.append(SpoolBlock.Line(number: number, text: line))
            }
        }
        if let open = current {
            lastBlockOpen = true
            interrupted(open, at: all.count + 1)
        }
    }
}
