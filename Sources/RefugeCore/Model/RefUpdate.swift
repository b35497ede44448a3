import GitKit

/// One ref moving from `old` to `new`; `nil` stands for "absent" (git's zero id).
/// At least one side is present: a zero-to-zero line is noise, not an update.
public struct RefUpdate: Hashable, Sendable {
    public let ref: String
    public let old: ObjectID?
    public let new: ObjectID?

    public init?(ref: String, old: ObjectID?, new: ObjectID?) {
        guard old != nil || new != nil else { return nil }
        self.ref = ref
        self.old = old
        self.new = new
    }

    /// An update that leaves the ref at `new`: it always has a side, so it needs no failable init.
    public init(creatingOrMoving ref: String, from old: ObjectID?, to new: ObjectID) {
        self.ref = ref
        self.old = old
        self.new = new
    }
}
