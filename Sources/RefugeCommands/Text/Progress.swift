import Foundation

/// One rewritten status line on stderr, only when stderr is a terminal (never in logs or pipes).
final class Progress {
    private let label: String
    private var shown = false

    private init(label: String) {
        self.label = label
    }

    static func onTerminal(label: String) -> Progress? {
        isatty(STDERR_FILENO) == 1 ? Progress(label: label) : nil
    }

    func update(_ status: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label): \(status)".utf8))
        shown = true
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
