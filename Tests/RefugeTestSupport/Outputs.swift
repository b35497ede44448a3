import Foundation

/// What `git refuge … --json` prints, decoded into types: one mirror per output of Docs/Schema.md (and
/// Docs/Reports.md for the report). Every field is optional, as a missing key and `null` both decode to
/// nil; the tests say which they expect. Ids and vocabulary words stay strings, as the JSON has them.
public enum Output {
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(text.utf8))
    }

    /// `text` decoded, or (it is no such JSON: the command failed) the object with every field nil.
    public static func object<T: Decodable>(_ type: T.Type, from text: String) -> T {
        (try? decode(type, from: text)) ?? (try! decode(type, from: "{}"))  // every field is optional
    }

    /// `text` decoded as an array, or an empty one.
    public static func array<T: Decodable>(_ type: T.Type, from text: String) -> [T] {
        (try? decode([T].self, from: text)) ?? []
    }
}

/// An event (`log --json`, and wherever an event is embedded).
public struct LoggedEvent: Decodable, Sendable {
    public let id: Int?
    public let time, side, hook, repository, ref, old, new, kind: String?
    public let dropped: Int?
    public let pusher, remote, url, status: String?
    public let pushOptions: [String]?
    public let localRef, batch, reason: String?
    public let undoes: Int?
    public let address: String?
}

/// `show --json`: the event's keys, and the commits it dropped.
public struct EventDetail: Decodable, Sendable {
    public let id: Int?
    public let ref, old, new, kind, status, hook, pusher: String?
    public let dropped: Int?
    public let droppedCommits: [DroppedCommit]?

    public struct DroppedCommit: Decodable, Sendable {
        public let oid, author, time, summary, state: String?
        public let reachableFrom, pinnedBy: [String]?
        public let rewrittenAs: String?
        public let recoveredBy: Int?
        public let recoveredAs: String?
    }
}

/// `status --json`.
public struct StatusOutput: Decodable, Sendable {
    public let repository, hooksDirectory, database, layout: String?
    public let hooks: [Hook]?
    public let shared, databaseExists, healthy: Bool?
    public let events: Int?
    public let lastEvent: LoggedEvent?
    public let problem, unhealthyBecause: String?
    public let spoolWaiting: Int?
    public let config: Config?

    public struct Hook: Decodable, Sendable {
        public let name, path: String?
        public let installed, executable, binaryExists: Bool?
        public let binary, chained: String?
    }

    public struct Config: Decodable, Sendable {
        public let prePush, databaseSource: String?
        public let protect, allowForce: [String]?
    }
}

/// `doctor --json`.
public struct DoctorOutput: Decodable, Sendable {
    public let repository: String?
    public let healthy: Bool?
    public let findings: [Finding]?

    public struct Finding: Decodable, Sendable {
        public let severity, area, what, fix: String?
    }
}

/// `lost --json`: one row per lost chain.
public struct LostRow: Decodable, Sendable {
    public let oid, state, held, copy: String?
    public let recoveredBy, commits: Int?
    public let source: String?
    public let foundIn: [String]?
    public let ref, time, author, summary, expires, pin: String?
}

/// A commit as `recover` and `forget` list it.
public struct ListedCommit: Decodable, Sendable {
    public let oid, author, summary: String?
}

/// `recover --json`.
public struct RecoveryOutput: Decodable, Sendable {
    public let ref, mode, from, to, recovered, basis: String?
    public let undoes: Int?
    public let applied, dryRun, alreadyThere, workingTreeUpdated: Bool?
    public let comesBack, leaves, skipped: [ListedCommit]?
    public let replayed: [Copy]?
    public let event: Int?
    public let pin: String?
    public let push: Push?

    public struct Copy: Decodable, Sendable { public let original, copy: String? }
    public struct Push: Decodable, Sendable {
        public let remote, ref, expected, detail: String?
        public let pushed: Bool?
    }
}

/// `prune --json`: one row per pin (and the pins `forget` removed, with what they kept).
public struct PinRow: Decodable, Sendable {
    public let name, target, sourceRef: String?
    public let event: Int?
    public let reason, createdAt: String?
    public let keeps: [String]?
}

/// `forget --json`.
public struct ForgetOutput: Decodable, Sendable {
    public let dryRun: Bool?
    public let removed: [PinRow]?
    public let released: [ListedCommit]?
    public let stillReachable, unpinned: [String]?
}

/// `identity --json`.
public struct IdentityOutput: Decodable, Sendable {
    public let identity: String?
    public let paths: [String]?
    public let renewed: Bool?
}

/// `verify --json`.
public struct VerifyOutput: Decodable, Sendable {
    public let intact: Bool?
    public let events: Int?
    public let head: String?
    public let firstBreak: Break?
    public let integrity: [String]?
    public let anchorFound: Bool?
    public let eventsAfterAnchor: Int?
    public let format: String?
    public let spoolWaiting: Int?
    public let central: Central?
    public let centralWarning: String?

    /// The head the central store holds for the log, and whether the log extends it.
    public struct Central: Decodable, Sendable {
        public let source: String?
        public let seq: Int?
        public let hash: String?
        public let extends: Bool?
        public let problem: String?
    }

    public struct Break: Decodable, Sendable {
        public let event: Int?
        public let problem: String?
    }
}

/// `check --json`.
public struct CheckOutput: Decodable, Sendable {
    public let branch, trackingRef, local, remote: String?
    public let ahead, behind: Int?
    public let wouldDrop: [Commit]?
    public let safeToForce: Bool?
    public let lastMoved: Moved?

    public struct Commit: Decodable, Sendable {
        public let oid, author, time, summary, verdict, copy: String?
        public let neverIntegrated, atRisk: Bool?
    }
    public struct Moved: Decodable, Sendable { public let time, how, detail: String? }
}

/// `backfill --json`.
public struct BackfillOutput: Decodable, Sendable {
    public let refs, entries, imported, alreadyRecorded, headDuplicates, branchSwitches, unchanged: Int?
}

/// `report --format json` (schema refuge-report/1).
public struct ReportOutput: Decodable, Sendable {
    public let schema, generatedAt, database: String?
    public let scope: Scope?
    public let period: Period?
    public let integrity: Integrity?
    public let summary: Section?
    public let repositories: [Section]?

    public struct Scope: Decodable, Sendable { public let since, until, ref, pusher, repositories: String? }
    public struct Period: Decodable, Sendable { public let since, until, firstEvent, lastEvent: String? }
    public struct Integrity: Decodable, Sendable {
        public let checked, intact: Bool?
        public let detail: String?
    }

    public struct Section: Decodable, Sendable {
        public let repository: String?
        public let headline: Headline?
        public let byKind, bySide: [String: Int]?
        public let rewrites: [Rewrite]?
        public let mostRewrittenRefs, topForcePushers: [Rank]?
        public let lostCommits: [LostRow]?
        public let lostScanProblem: String?
        public let unconfirmedPushes, policyRefusals, recoveries: [LoggedEvent]?
        public let timeline: [Day]?
        public let listLimit: Int?
        public let workDroppedFromPushers: [DroppedWork]?
    }

    public struct DroppedWork: Decodable, Sendable {
        public let event: Int?
        public let time, ref, forcedBy, pushedBy, summary: String?
        public let commits: [Dropped]?
    }

    public struct Headline: Decodable, Sendable {
        public let events, updates, rewrites, forced, deletions, commitsDropped, stillLost, pinned, rewritten: Int?
        public let recovered, reachableAgain, lostChains, refusals, unconfirmedPushes, recoveries: Int?

        /// Every figure under its JSON name, to compare the whole headline at once.
        public var table: [String: Int] {
            let figures: [(String, Int?)] = [
                ("events", events), ("updates", updates), ("rewrites", rewrites), ("forced", forced), ("deletions", deletions),
                ("commits_dropped", commitsDropped), ("still_lost", stillLost), ("pinned", pinned), ("rewritten", rewritten),
                ("recovered", recovered), ("reachable_again", reachableAgain), ("lost_chains", lostChains),
                ("refusals", refusals), ("unconfirmed_pushes", unconfirmedPushes), ("recoveries", recoveries),
            ]
            return Dictionary(uniqueKeysWithValues: figures.compactMap { name, value in value.map { (name, $0) } })
        }
    }

    public struct Rewrite: Decodable, Sendable {
        public let event: LoggedEvent?
        public let droppedCommits: [Dropped]?
        public let recoveredBy: [Int]?
    }

    public struct Dropped: Decodable, Sendable {
        public let oid, author, time, summary, state: String?
        public let recoveredBy: Int?
    }

    public struct Rank: Decodable, Sendable {
        public let ref, pusher: String?
        public let count: Int?
    }

    public struct Day: Decodable, Sendable {
        public let date: String?
        public let updates, forced, deletions: Int?
    }
}

/// `verify --central --json`.
public struct CentralVerifyOutput: Decodable, Sendable {
    public let intact: Bool?
    public let sources: [Source]?
    public struct Source: Decodable, Sendable {
        public let source, host, databasePath: String?
        public let events: Int?
        public let lastSeq: Int?
        public let lastHash, head: String?
        public let intact: Bool?
        public let firstBreak: VerifyOutput.Break?
    }
}

/// `status --central --json`.
public struct CentralStatusOutput: Decodable, Sendable {
    public let sources: [Source]?
    public let local: Local?
    public struct Source: Decodable, Sendable {
        public let source, host, databasePath, shipper: String?
        public let lastSeq: Int?
        public let lastShippedAt: String?
        public let verifiedSeq: Int?
        public let verifiedAt: String?
        public let chainProblem: String?
    }
    public struct Local: Decodable, Sendable {
        public let source: String?
        public let head: Int?
        public let unshipped: Int?
    }
}

/// `ship --json`.
public struct ShipOutput: Decodable, Sendable {
    public let source: String?
    public let shipped: Int?
    public let batches: Int?
    public let lastSeq: Int?
    public let lastHash: String?
}

/// `install`, `uninstall` and `status` with `--repositories ROOT --json`.
public struct RepositoriesOutput: Decodable, Sendable {
    public let root: String?
    public let repositories: [Entry]?

    public struct Entry: Decodable, Sendable {
        public let path, layout, database, error: String?
        public let hooks, missing: [String]?
    }
}
