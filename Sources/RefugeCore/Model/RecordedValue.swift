import GitKit

/// What the audit log last saw a ref become: what resolves a later update's unknown old value.
public enum RecordedValue: Equatable, Sendable {
    /// The log has no update of the ref.
    case neverRecorded
    /// The last recorded update deleted it.
    case deleted
    /// The last recorded update set it to this object.
    case value(ObjectID)

    /// The state a recorded new value leaves (nil: a deletion).
    init(after new: ObjectID?) {
        self = new.map(RecordedValue.value) ?? .deleted
    }
}
