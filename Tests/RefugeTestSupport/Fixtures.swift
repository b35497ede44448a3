/// Object ids for tests that parse hook input and spool files without a repository: 40 hex digits each,
/// and git's zero id (no object).
public enum Fixtures {
    public static let a = String(repeating: "a", count: 40)
    public static let b = String(repeating: "b", count: 40)
    public static let c = String(repeating: "c", count: 40)
    public static let zero = String(repeating: "0", count: 40)
}
