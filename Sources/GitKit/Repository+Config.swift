internal import CLibgit2

/// Reads and writes the repository's git configuration (all levels for reads, and what git passed on its
/// command line, CommandLineConfig; the repository's own file for writes).
extension Repository {
    /// The value of `key`, or nil when unset.
    public func configString(_ key: String) throws -> String? {
        if let given = CommandLineConfig.current.values(key).last { return given ?? "true" }  // `git -c key`: true
        return try withConfig(reading: key) { try Self.string(key, in: $0) }
    }

    /// `key` read from `config` (one level, or all of them), nil when unset.
    private static func string(_ key: String, in config: OpaquePointer?) throws -> String? {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        let result = git_config_get_string_buf(&buffer, config, key)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "reading git config \(key)")
        return buffer.ptr.map { String(cString: $0) } ?? ""
    }

    /// Every value of the multi-valued `key`, in the order git lists them.
    public func configStrings(_ key: String) throws -> [String] {
        try fileConfigStrings(key) + CommandLineConfig.current.values(key).map { $0 ?? "true" }
    }

    private func fileConfigStrings(_ key: String) throws -> [String] {
        try withConfig(reading: key) { config in
            var iterator: OpaquePointer?
            let result = git_config_multivar_iterator_new(&iterator, config, key, nil)
            if result == GIT_ENOTFOUND.rawValue { return [] }
            try check(result, "reading git config \(key)")
            defer { git_config_iterator_free(iterator) }
            var values: [String] = []
            var entry: UnsafeMutablePointer<git_config_entry>?
            while true {
                let next = git_config_next(&entry, iterator)
                if next == GIT_ITEROVER.rawValue || next == GIT_ENOTFOUND.rawValue { break }
                try check(next, "reading git config \(key)")
                if let value = entry?.pointee.value { values.append(String(cString: value)) }
            }
            return values
        }
    }

    /// A boolean by git's rules (true/yes/on/1…), or nil when unset.
    public func configBool(_ key: String) throws -> Bool? {
        if let given = CommandLineConfig.current.values(key).last {
            guard let value = CommandLineConfig.bool(given) else {
                throw GitError(code: .generic, message: "bad boolean config value '\(given ?? "")' for '\(key)' (given with git -c)",
                               operation: "reading git config \(key) as a boolean")
            }
            return value
        }
        return try withConfig(reading: key) { config in
            var value: Int32 = 0
            let result = git_config_get_bool(&value, config, key)
            if result == GIT_ENOTFOUND.rawValue { return nil }
            try check(result, "reading git config \(key) as a boolean")
            return value != 0
        }
    }

    /// Sets `key` in the repository's own config file (`$GIT_DIR/config`).
    public func setConfig(_ key: String, to value: String) throws {
        _ = try withLocalConfig(key) { config in
            try check(git_config_set_string(config, key, value), "setting git config \(key)")
        }
    }

    /// Removes `key` from the repository's own config file; absent keys are fine.
    public func unsetConfig(_ key: String) throws {
        try withLocalConfig(key) { config in
            let result = git_config_delete_entry(config, key)
            if result == GIT_ENOTFOUND.rawValue { return }
            try check(result, "unsetting git config \(key)")
        }
    }

    /// Adds `value` to the multi-valued `key` in the repository's own config file, unless it is there already.
    public func addConfigValue(_ key: String, _ value: String) throws {
        try withLocalConfig(key) { config in
            // libgit2 adds a value when the pattern matches none of the existing ones.
            let result = git_config_set_multivar(config, key, "^" + Self.regexEscaped(value) + "$", value)
            try check(result, "adding \(value) to git config \(key)")
        }
    }

    /// Removes exactly `value` from the multi-valued `key` in the repository's own config file.
    public func removeConfigValue(_ key: String, _ value: String) throws {
        try withLocalConfig(key) { config in
            let result = git_config_delete_multivar(config, key, "^" + Self.regexEscaped(value) + "$")
            if result == GIT_ENOTFOUND.rawValue { return }
            try check(result, "removing \(value) from git config \(key)")
        }
    }

    private static func regexEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\^$.|?*+()[]{}".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// The value of `key` in the repository's own config file only (not global or system).
    public func localConfigString(_ key: String) throws -> String? {
        try withLocalConfig(key) { try Self.string(key, in: $0) }
    }

    private func withConfig<T>(reading key: String, _ body: (OpaquePointer?) throws -> T) throws -> T {
        var config: OpaquePointer?
        try check(git_repository_config_snapshot(&config, pointer), "opening git config to read \(key)")
        defer { git_config_free(config) }
        return try body(config)
    }

    private func withLocalConfig<T>(_ key: String, _ body: (OpaquePointer?) throws -> T) throws -> T {
        var config: OpaquePointer?
        try check(git_repository_config(&config, pointer), "opening git config for \(key)")
        defer { git_config_free(config) }
        var local: OpaquePointer?
        try check(git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL), "opening the repository's config file")
        defer { git_config_free(local) }
        return try body(local)
    }
}
