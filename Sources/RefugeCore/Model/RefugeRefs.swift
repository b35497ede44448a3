import GitKit

/// The refs Refuge owns: everything under `refs/refuge/`, hidden from fetches (`transfer.hideRefs`) and
/// never recorded as history. The shims spell the same names in sh (Hooks/; RuleTests keeps them equal).
public enum RefugeRefs {
    /// The namespace, without its slash, as `transfer.hideRefs` takes it.
    public static let root = "refs/refuge"
    /// Where pins live: `refs/refuge/kept/<id>` keeps commit `<id>` from gc.
    public static let kept = "refs/refuge/kept/"

    /// Whether `ref` is one of Refuge's own refs.
    public static func isRefugeOwned(_ ref: some StringProtocol) -> Bool { ref.hasPrefix(root + "/") }

    /// The pin that keeps `id`.
    public static func pin(for id: ObjectID) -> String { kept + id.hex }
}
