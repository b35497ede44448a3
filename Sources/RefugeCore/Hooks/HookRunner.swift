import Foundation
import GitKit

/// Runs a hook on behalf of a shim: reads all of stdin, runs the chained hook (one that was there before
/// Refuge) with the same arguments and input, and records. Returns the exit status git should see:
/// the chained hook's, or 0 — Refuge's own trouble never stops git.
public enum HookRunner {
    public static func run(
        _ hook: HookName, arguments: [String], hookPath: String?, input: String, environment: [String: String],
        warn: (String) -> Void
    ) -> Int32 {
        let chained = hookPath.map { $0 + HookInstaller.chainedSuffix }.flatMap {
            FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
        }
        var chainedStatus: Int32 = 0
        if let chained {
            chainedStatus = runChained(chained, arguments: arguments, input: input, warn: warn)
            // A refused push never happens: nothing to record.
            if hook == .prePush && chainedStatus != 0 { return chainedStatus }
        }
        let context: HookContext
        do {
            context = try HookContext(repository: Repository.discover(fromEnvironment: true), environment: environment)
        } catch {
            warn("refuge: warning: \(error); this \(hook.rawValue) is not recorded")
            return chainedStatus
        }
        let outcome: HookOutcome
        switch hook {
        case .prePush:
            guard arguments.count >= 2 else {
                warn("refuge: warning: pre-push needs the remote name and URL as arguments; not recorded")
                return chainedStatus
            }
            outcome = PrePushRecorder.record(input: input, remote: arguments[0], url: arguments[1], context: context)
        case .postReceive:
            outcome = PostReceiveRecorder.record(input: input, context: context)
        case .referenceTransaction:
            // The reference-transaction shim spools by itself and never starts this binary.
            outcome = HookOutcome()
        }
        outcome.warnings.forEach(warn)
        return chainedStatus
    }

    private static func runChained(_ path: String, arguments: [String], input: String, warn: (String) -> Void) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdin = Pipe()
        process.standardInput = stdin
        do {
            try process.run()
        } catch {
            warn("refuge: warning: cannot run the chained hook \(path): \(error)")
            return 1  // it exists and is executable, so git would have failed on it too
        }
        let data = Data(input.utf8)
        // The chained hook may exit without reading its input: ignore a broken pipe.
        signal(SIGPIPE, SIG_IGN)
        try? stdin.fileHandleForWriting.write(contentsOf: data)
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
