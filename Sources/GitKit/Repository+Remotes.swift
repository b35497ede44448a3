internal import CLibgit2

extension Repository {
    /// The remote-tracking ref that a fetch from `remote` would write for `remoteReference`
    /// (`refs/heads/main` on origin → `refs/remotes/origin/main`), by the remote's fetch refspecs.
    /// Nil when the remote is unknown (a push to a bare URL) or no refspec maps the ref.
    public func trackingReference(remote: String, remoteReference: String) throws -> String? {
        try fetchRefspecs(of: remote)?.trackingReference(for: remoteReference)
    }
}

/// A remote's fetch refspecs, looked up once: maps many remote refs to their remote-tracking refs.
public final class FetchRefspecs {
    private let remote: OpaquePointer

    fileprivate init(remote: OpaquePointer) {
        self.remote = remote
    }

    deinit {
        git_remote_free(remote)
    }

    /// The remote-tracking ref a fetch would write for `remoteReference`, nil when no refspec maps it.
    public func trackingReference(for remoteReference: String) throws -> String? {
        for index in 0..<git_remote_refspec_count(remote) {
            guard let spec = git_remote_get_refspec(remote, index),
                  git_refspec_direction(spec) == GIT_DIRECTION_FETCH,
                  git_refspec_src_matches(spec, remoteReference) == 1
            else { continue }
            return try takeString(
                { git_refspec_transform(&$0, spec, remoteReference) }, "mapping \(remoteReference) through fetch refspecs")
        }
        return nil
    }

    /// The reverse: the remote ref a fetch writes into `trackingReference` (`refs/remotes/origin/main` →
    /// `refs/heads/main`), nil when no fetch refspec writes it.
    public func remoteReference(forTracking trackingReference: String) throws -> String? {
        for index in 0..<git_remote_refspec_count(remote) {
            guard let spec = git_remote_get_refspec(remote, index),
                  git_refspec_direction(spec) == GIT_DIRECTION_FETCH,
                  git_refspec_dst_matches(spec, trackingReference) == 1
            else { continue }
            return try takeString(
                { git_refspec_rtransform(&$0, spec, trackingReference) }, "mapping \(trackingReference) back through fetch refspecs")
        }
        return nil
    }

    /// The remote's URL as configured (nil for none).
    public var url: String? { git_remote_url(remote).map { String(cString: $0) } }
}

extension Repository {
    /// The fetch refspecs of `remote`, or nil when there is no such remote (a push to a bare URL).
    public func fetchRefspecs(of remote: String) throws -> FetchRefspecs? {
        var handle: OpaquePointer?
        let lookup = git_remote_lookup(&handle, pointer, remote)
        if lookup == GIT_ENOTFOUND.rawValue || lookup == GIT_EINVALIDSPEC.rawValue {
            git_error_clear()
            return nil
        }
        try check(lookup, "looking up remote \(remote)")
        return FetchRefspecs(remote: handle!)
    }
}
