internal import CGitStartup
internal import CLibgit2

/// libgit2's global state: initialised once, before any other call, and never shut down
/// (the process ends first; shutting down while objects are alive would be unsafe).
enum Libgit2 {
    private static let initialised: Bool = {
        refuge_libgit2_init()
        return true
    }()

    static func ensureInitialised() {
        _ = initialised
    }
}

/// Copies a libgit2 buffer out as a String and disposes of it.
func takeString(_ fill: (inout git_buf) -> Int32, _ operation: @autoclosure () -> String) throws -> String {
    var buffer = git_buf()
    defer { git_buf_dispose(&buffer) }
    try check(fill(&buffer), operation())
    guard let pointer = buffer.ptr else { return "" }
    return String(cString: pointer)
}
