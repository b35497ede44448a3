import Foundation

/// Work started on a thread of its own, its result taken later (a ship reads its next batch from the log
/// while PostgreSQL stores the last one). `after` says what the work started from, so that the taker can
/// tell whether it still wants it.
final class ReadAhead<Value: Sendable>: @unchecked Sendable {
    let after: (Int64, String)
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the thread before `done` is signalled, read only after waiting for it.
    private var value: Result<Value, any Error>?

    /// Starts `work`. It runs alone on its thread and touches nothing the caller uses meanwhile: the
    /// audit log is read through its database queue, which serialises its readers (why `@unchecked`).
    init(after: (Int64, String), _ work: @escaping () throws -> Value) {
        self.after = after
        let box = WorkBox(work)
        Thread.detachNewThread { [self] in
            value = Result { try box.work() }
            done.signal()
        }
    }

    /// The result, once the work is done (waits for it; may be asked again).
    func result() -> Result<Value, any Error> {
        done.wait()
        defer { done.signal() }
        return value!
    }

    private final class WorkBox: @unchecked Sendable {
        let work: () throws -> Value
        init(_ work: @escaping () throws -> Value) { self.work = work }
    }
}
