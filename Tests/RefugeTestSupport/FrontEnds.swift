import Foundation
import Synchronization

/// The real programs in front of a Git server (sshd, gitolite, nginx with fcgiwrap), started by a test on
/// loopback and stopped at its end, and the Unix accounts they run pushes as. Nothing here is a mock.
public enum FrontEnds {
    public static let sshd = "/usr/sbin/sshd", nginx = "/usr/sbin/nginx", fcgiwrap = "/usr/sbin/fcgiwrap"
    public static let gitolite = "/usr/bin/gitolite", httpBackend = "/usr/lib/git-core/git-http-backend"

    /// Why a test cannot run here (printed as its skip reason), nil when it can: it needs root (accounts,
    /// sshd's privilege separation) and each of `programs`.
    public static func unavailable(_ programs: String...) -> String? {
        if geteuid() != 0 { return "needs root, to create accounts and start sshd" }
        let missing = programs.filter { !FileManager.default.isExecutableFile(atPath: $0) }
        return missing.isEmpty ? nil : "needs \(missing.joined(separator: ", ")) (.ci/run installs them)"
    }

    /// Runs a program as root, the test's own account, without the sandbox's environment; throws on failure.
    @discardableResult
    public static func system(_ arguments: [String], input: String? = nil, environment: [String: String]? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let result = try Sandbox.collect(process, input: input)
        guard result.succeeded else { throw Failed(command: arguments.joined(separator: " "), stderr: result.stderr) }
        return result.stdout
    }

    /// Starts a program that puts itself in the background (or `setsid -f`), its output going nowhere: a
    /// daemon that keeps a pipe of ours open would leave us waiting for the end of its output.
    /// Started with posix_spawn and waited for with waitpid, not with Foundation's Process, which here
    /// did not see such a parent exit once its daemon ran on.
    public static func daemon(_ arguments: [String], environment: [String: String]? = nil) throws {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in Int32(0)...2 {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { variables.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, variables)
        guard spawned == 0 else { throw Failed(command: arguments.joined(separator: " "), stderr: String(cString: strerror(spawned))) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Exited with 0 (or reaped by someone else first: ECHILD); else the status says what went wrong.
        if (status & 0x7f) == 0, (status >> 8) & 0xff != 0 {
            throw Failed(command: arguments.joined(separator: " "), stderr: "exit status \((status >> 8) & 0xff)")
        }
    }

    /// Stops a daemon by the pid its pid file holds.
    public static func stop(pidFile: String) {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        kill(pid, SIGTERM)
    }

    public struct Failed: Error, CustomStringConvertible {
        public let command: String, stderr: String
        public var description: String { "\(command) failed: \(stderr)" }
    }

    /// A free loopback TCP port (bound, then released: the server binds it next).
    public static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw Failed(command: "bind 127.0.0.1:0", stderr: String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until something accepts connections on the loopback port.
    public static func waitForPort(_ port: Int, log: String) throws {
        for _ in 0..<100 {
            let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(socket)
            if connected { return }
            usleep(50_000)
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw Failed(command: "waiting for 127.0.0.1:\(port)", stderr: text)
    }
}

/// A Unix account for a test's pushes, made once per machine and kept (`refuge-t-<name>`): its home
/// is made fresh by each test that needs it.
public struct UnixAccount: Sendable {
    public let name: String
    public let home: String

    /// Makes the account if it is missing (with `/bin/sh`, a home under /home, a password field that
    /// sshd does not take for a locked account) and puts it in `groups`, made if missing.
    public static func ensure(_ name: String, groups: [String] = []) throws -> UnixAccount {
        for group in groups where getgrnam(group) == nil {
            try FrontEnds.system(["groupadd", group])
        }
        if getpwnam(name) == nil {
            try FrontEnds.system(["useradd", "--create-home", "--shell", "/bin/sh", name])
            try FrontEnds.system(["usermod", "-p", "*", name])  // "!" would be a locked account to sshd
        }
        if !groups.isEmpty { try FrontEnds.system(["usermod", "-a", "-G", groups.joined(separator: ","), name]) }
        let home = String(cString: getpwnam(name)!.pointee.pw_dir)
        return UnixAccount(name: name, home: home)
    }

    /// Gives the account `key.pub` as its only authorized key (sshd's strict modes: nothing group-writable).
    public func authorize(_ publicKey: String, options: String = "") throws {
        try FileManager.default.createDirectory(atPath: "\(home)/.ssh", withIntermediateDirectories: true)
        let key = try String(contentsOfFile: publicKey, encoding: .utf8)
        try (options.isEmpty ? key : "\(options) \(key)").write(toFile: "\(home)/.ssh/authorized_keys", atomically: true, encoding: .utf8)
        chmod(home, 0o755)
        chmod("\(home)/.ssh", 0o700)
        chmod("\(home)/.ssh/authorized_keys", 0o600)
        try FrontEnds.system(["chown", "-R", "\(name):", "\(home)/.ssh"])
    }

    /// Runs `arguments` as this account, with its home and a plain PATH that finds `binDirectory` first.
    @discardableResult
    public func run(_ arguments: [String], in directory: String, binDirectory: String, extra: [String: String] = [:]) throws -> String {
        var environment = ["HOME": home, "PATH": "\(binDirectory):/usr/bin:/bin:/usr/sbin:/sbin", "LC_ALL": "C", "NO_COLOR": "1",
                           "GIT_CONFIG_NOSYSTEM": "1"]
        environment.merge(extra) { _, new in new }
        return try FrontEnds.system(["runuser", "-u", name, "--", "/usr/bin/env", "-C", directory] + arguments, environment: environment)
    }
}

/// sshd on a loopback port, with a host key and config of its own. It runs as a daemon, not as this
/// process's child: Foundation's Process stops noticing other children exit while one runs on.
public final class SSHServer: @unchecked Sendable {
    public let port: Int
    let directory: String

    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)  // privilege separation
        try FrontEnds.system(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "\(directory)/host_key"])
        port = try FrontEnds.freePort()
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory)/host_key
            PidFile \(directory)/sshd.pid
            AuthorizedKeysFile .ssh/authorized_keys
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes yes
            PermitUserEnvironment no
            LogLevel ERROR
            """.write(toFile: "\(directory)/sshd_config", atomically: true, encoding: .utf8)
        try FrontEnds.daemon([FrontEnds.sshd, "-f", "\(directory)/sshd_config", "-E", "\(directory)/sshd.log"])
        try FrontEnds.waitForPort(port, log: "\(directory)/sshd.log")
    }

    /// A client key, and the `GIT_SSH_COMMAND` that uses it against this server.
    public func clientKey(named name: String) throws -> (key: String, command: String) {
        let key = "\(directory)/\(name)"
        if !FileManager.default.fileExists(atPath: key) {
            try FrontEnds.system(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key])
        }
        return (key, "ssh -p \(port) -i \(key) -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no "
                    + "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR")
    }

    deinit {
        FrontEnds.stop(pidFile: "\(directory)/sshd.pid")
    }
}

/// nginx on a loopback port, in front of `git http-backend` through fcgiwrap, with basic authentication;
/// fcgiwrap and nginx's workers run as `www-data`, as Debian's packages do. Both run detached from this
/// process (see SSHServer).
public final class HTTPGitServer: @unchecked Sendable {
    public let port: Int
    let directory: String
    let socket: String

    public init(directory: String, projectRoot: String, users: [String: String]) throws {
        self.directory = directory
        socket = "\(directory)/fcgiwrap.sock"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for temporary in ["body", "fastcgi", "proxy", "uwsgi", "scgi"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(temporary)", withIntermediateDirectories: true)
        }
        try FrontEnds.system(["chown", "-R", "www-data:", directory])
        var passwords = ""
        for (user, password) in users.sorted(by: { $0.key < $1.key }) {
            passwords += "\(user):" + (try FrontEnds.system(["openssl", "passwd", "-apr1", password])
                .trimmingCharacters(in: .whitespacesAndNewlines)) + "\n"
        }
        try passwords.write(toFile: "\(directory)/htpasswd", atomically: true, encoding: .utf8)
        chmod("\(directory)/htpasswd", 0o644)
        port = try FrontEnds.freePort()
        try FrontEnds.daemon(["setsid", "-f", "/usr/sbin/runuser", "-u", "www-data", "--", FrontEnds.fcgiwrap, "-c", "2", "-s", "unix:\(socket)"],
                             environment: ["PATH": "/usr/bin:/bin"])
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(50_000) }
        try """
            daemon on;
            master_process on;
            user www-data;
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(directory)/body;
                fastcgi_temp_path \(directory)/fastcgi;
                proxy_temp_path \(directory)/proxy;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
                server {
                    listen 127.0.0.1:\(port);
                    location / {
                        auth_basic "git";
                        auth_basic_user_file \(directory)/htpasswd;
                        client_max_body_size 0;
                        include /etc/nginx/fastcgi_params;
                        fastcgi_param SCRIPT_FILENAME \(FrontEnds.httpBackend);
                        fastcgi_param GIT_PROJECT_ROOT \(projectRoot);
                        fastcgi_param GIT_HTTP_EXPORT_ALL "";
                        fastcgi_param PATH_INFO $uri;
                        fastcgi_param REMOTE_USER $remote_user;
                        # www-data pushes into repositories it does not own: git (and Refuge) trust them
                        fastcgi_param GIT_CONFIG_COUNT 1;
                        fastcgi_param GIT_CONFIG_KEY_0 safe.directory;
                        fastcgi_param GIT_CONFIG_VALUE_0 "*";
                        fastcgi_pass unix:\(socket);
                    }
                }
            }
            """.write(toFile: "\(directory)/nginx.conf", atomically: true, encoding: .utf8)
        try FrontEnds.daemon([FrontEnds.nginx, "-c", "\(directory)/nginx.conf", "-p", directory, "-e", "\(directory)/error.log"])
        try FrontEnds.waitForPort(port, log: "\(directory)/error.log")
    }

    deinit {
        FrontEnds.stop(pidFile: "\(directory)/nginx.pid")
        // fcgiwrap's workers outlive a SIGTERM to their parent (they ignore it): KILL, so that none is left.
        _ = try? FrontEnds.system(["pkill", "-KILL", "-f", "fcgiwrap -c 2 -s unix:\(socket)"])
    }
}
