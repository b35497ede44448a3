internal import CLibgit2
import Foundation

/// A commit-graph file for libgit2's walks. git (2.38 and later) writes `objects/info/commit-graph` with
/// generation-data chunks that libgit2 1.5 refuses ("unrecognized chunk ID"), so libgit2 would read and
/// inflate every commit it walks: about ten times slower than git on a 100,000-commit history. Refuge
/// keeps a graph libgit2 can read, written by libgit2 itself, under `<common dir>/refuge/graph/`.
/// A graph only speeds walks up: commits newer than it are read from the object database as before.
extension Repository {
    /// The objects-like directory whose `info/commit-graph` is Refuge's graph.
    var commitGraphDirectory: String { "\(commonDirectory)/refuge/graph" }

    var commitGraphFile: String { "\(commitGraphDirectory)/info/commit-graph" }

    /// Attaches Refuge's graph to the object database, once, before the first walk. Opening it checks its
    /// checksum (about 5 ms per 10,000 commits), so only walks pay for it, not the classification of a
    /// fast-forward. A missing or unreadable graph is no error: walks read objects instead.
    func attachCommitGraphOnce() {
        guard !commitGraphChecked else { return }
        commitGraphChecked = true
        guard FileManager.default.fileExists(atPath: commitGraphFile) else { return }
        attachCommitGraph()
    }

    private func attachCommitGraph() {
        var graph: OpaquePointer?
        guard git_commit_graph_open(&graph, commitGraphDirectory) == 0 else {
            git_error_clear()
            return
        }
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, pointer) == 0 else {
            git_commit_graph_free(graph)
            git_error_clear()
            return
        }
        defer { git_odb_free(odb) }
        if git_odb_set_commit_graph(odb, graph) != 0 {  // on success the object database owns the graph
            git_commit_graph_free(graph)
            git_error_clear()
        }
    }

    /// Whether the graph should be rewritten: there is none, or git has written a pack since (a gc, a
    /// repack or a large push) and the graph is older than `minimumAge` (a busy server is not rewriting
    /// it after every push; a few packs' worth of commits are read from the object database meanwhile).
    func commitGraphIsStale(minimumAge: TimeInterval, now: Date = Date()) -> Bool {
        guard let written = Self.modificationTime(commitGraphFile) else { return true }
        guard now.timeIntervalSince(written) >= minimumAge else { return false }
        return packIndexPaths.contains { (Self.modificationTime($0) ?? .distantPast) > written }
    }

    /// Writes Refuge's graph: every commit in the packs (unreachable ones too, which `lost` walks) and the
    /// loose commits the refs and HEAD reach. libgit2 writes it through a lock file and renames it into
    /// place, so a concurrent reader sees the old graph or the new one. Returns the graph's path.
    @discardableResult
    public func writeCommitGraph() throws -> String {
        let info = "\(commitGraphDirectory)/info"
        try FileManager.default.createDirectory(atPath: info, withIntermediateDirectories: true)
        attachCommitGraphOnce()  // the old graph speeds up the walk over loose commits below
        var writer: OpaquePointer?
        try check(git_commit_graph_writer_new(&writer, info), "starting a commit-graph in \(info)")
        defer { git_commit_graph_writer_free(writer) }
        for index in packIndexPaths {
            try check(git_commit_graph_writer_add_index_file(writer, pointer, index), "adding the commits of \(index) to the commit-graph")
        }
        var walker: OpaquePointer?
        try check(git_revwalk_new(&walker, pointer), "starting a revision walk")
        defer { git_revwalk_free(walker) }
        try check(git_revwalk_push_glob(walker, "refs/*"), "walking history from every ref")
        if git_revwalk_push_head(walker) != 0 { git_error_clear() }  // an unborn or detached-to-nothing HEAD
        try check(git_commit_graph_writer_add_revwalk(writer, walker), "adding the commits refs reach to the commit-graph")
        var options = git_commit_graph_writer_options()
        try check(git_commit_graph_writer_options_init(&options, UInt32(GIT_COMMIT_GRAPH_WRITER_OPTIONS_VERSION)),
                  "preparing the commit-graph options")
        try check(git_commit_graph_writer_commit(writer, &options), "writing the commit-graph \(commitGraphFile)")
        return commitGraphFile
    }

    /// Rewrites the graph when `commitGraphIsStale`, first calling `starting` (for a progress line);
    /// failures are left for the next run (a graph only speeds walks up). Returns whether it wrote one.
    @discardableResult
    public func refreshCommitGraph(minimumAge: TimeInterval = 3_600, starting: () -> Void = {}) -> Bool {
        guard commitGraphIsStale(minimumAge: minimumAge) else { return false }
        starting()
        do {
            try writeCommitGraph()
        } catch {
            return false
        }
        // Use the new graph from now on (libgit2 frees the old one when it is replaced).
        attachCommitGraph()
        return true
    }
}
