/// Entry points for the fuzz targets (Fuzz/Sources): the spool reader is internal to RefugeCore, and a
/// release build cannot `@testable import`. Each runs a parser over any text and returns what it found.
public enum ParserProbes {
    /// Reads `text` as a spool file and interprets its updates: (blocks, updates, problems).
    public static func spool(_ text: String) -> (blocks: Int, updates: Int, problems: Int) {
        let records = HookRecords(text: text)
        return (records.records.count, records.updates().count, records.problems.count)
    }
}
