/// Remote URLs as Refuge stores and prints them: never with credentials.
public enum RemoteURL {
    /// Removes credentials: the password of any URL; the whole user part of http(s) and ftp(s) URLs
    /// (tokens are often passed as the user name); and the query of http(s) URLs (`?private_token=`).
    /// scp-like (`git@host:repo`) and local paths are returned unchanged: they cannot carry passwords.
    public static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        var rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]
        let isWeb = ["http", "https", "ftp", "ftps"].contains(scheme)
        if let at = authority.lastIndex(of: "@") {
            let user = authority[..<at]
            let host = authority[authority.index(after: at)...]
            if isWeb {
                authority = host
            } else if let colon = user.firstIndex(of: ":") {
                authority = user[..<colon] + "@" + host
            }
        }
        if isWeb, let query = tail.firstIndex(of: "?") {
            let fragment = tail[query...].firstIndex(of: "#") ?? tail.endIndex
            tail = tail[..<query] + tail[fragment...]
        }
        rest = authority + tail
        return String(url[..<schemeEnd.upperBound] + rest)
    }
}
