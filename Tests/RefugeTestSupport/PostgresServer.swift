import Foundation

/// A throwaway PostgreSQL 15 server for one test: `initdb` and `pg_ctl` run as the `postgres` account
/// (they refuse root), in a directory of its own, listening on a unix socket there and on no TCP port, so
/// that parallel tests never collide; `fsync=off`. Stopped and removed in `deinit`. No mock.
public final class PostgresServer: @unchecked Sendable {  // immutable after init
    public let directory: String
    /// The socket directory: libpq's `host=` takes it.
    public var socketDirectory: String { directory }
    static let bin = "/usr/lib/postgresql/15/bin"

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public init() throws {
        guard FileManager.default.isExecutableFile(atPath: "\(Self.bin)/initdb") else {
            throw Unavailable(description: "PostgreSQL 15 is not installed (apt-get install postgresql; Scripts/test does)")
        }
        directory = "/tmp/refuge-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o755)
        let account = getuid() == 0 ? "postgres" : nil
        if let account { try Self.run("/bin/chown", [account, directory]) }
        try Self.run(Self.bin + "/initdb", ["-D", "\(directory)/data", "-A", "trust", "-U", "refuge", "--no-sync", "-E", "UTF8",
                                            "--locale=C"], as: account)
        self.account = account
        // The superuser `refuge` without a password; every other role (the tests' shipping and reading
        // roles) with one, as a real central store has it.
        try "local all refuge trust\nlocal all all scram-sha-256\n"
            .write(toFile: "\(directory)/data/pg_hba.conf", atomically: false, encoding: .utf8)
        try start()
    }

    private let account: String?

    deinit {
        try? Self.run(Self.bin + "/pg_ctl", ["-D", "\(directory)/data", "-m", "immediate", "-w", "stop"], as: account)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A libpq connection string for `database` as the superuser `refuge`.
    public func conninfo(_ database: String = "postgres") -> String { "host=\(directory) user=refuge dbname=\(database)" }

    /// Creates a database and returns its connection string.
    public func createDatabase(_ name: String) throws -> String {
        try psql("CREATE DATABASE \(name)")
        return conninfo(name)
    }

    /// Runs SQL with psql (as the superuser, or as `user` with `password`); returns its unaligned output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres", user: String = "refuge", password: String? = nil) throws -> String {
        try Self.run("/usr/bin/env", (password.map { ["PGPASSWORD=\($0)"] } ?? []) + [
            "/usr/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", directory, "-U", user, "-d", database, "-c", sql])
    }

    /// Creates a login role with a password (scram-sha-256, as pg_hba.conf asks of every role but the superuser).
    public func createRole(_ name: String, password: String) throws {
        try psql("CREATE ROLE \(name) LOGIN PASSWORD '\(password)'")
    }

    /// Stops the server (a test of what happens when it is gone); `start` brings it back.
    public func stop() throws {
        try Self.run(Self.bin + "/pg_ctl", ["-D", "\(directory)/data", "-m", "fast", "-w", "stop"], as: account)
    }

    /// Starts the server; its output goes to its log file.
    public func start() throws {
        try Self.run(Self.bin + "/pg_ctl", ["-D", "\(directory)/data", "-l", "\(directory)/log", "-w", "-o",
                                            "-k \(directory) -c listen_addresses='' -c fsync=off", "start"], as: account)
    }

    /// Runs a program to completion with posix_spawn and waitpid, its output in a file. Not Foundation's
    /// Process: it did not reap `runuser` once pg_ctl had forked the server (the test hung in
    /// waitUntilExit, the child a zombie), and a pipe would be held open by the server for its whole life.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], as account: String? = nil) throws -> String {
        // From /tmp, which postgres can read (initdb and pg_ctl refuse a working directory they cannot).
        let argv = ["/bin/sh", "-c", "cd /tmp && exec \"$@\"", "sh"]
            + (account.map { ["/usr/sbin/runuser", "-u", $0, "--", executable] } ?? [executable]) + arguments
        let outputPath = "/tmp/refuge-pg-out-\(UUID().uuidString.prefix(8))"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw Unavailable(description: "cannot start \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS, spelled out (Glibc's macros do not reach Swift).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw Unavailable(description: "\(executable) \(arguments.joined(separator: " ")) failed: \(output)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
