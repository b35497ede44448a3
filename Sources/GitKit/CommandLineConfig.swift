import Foundation

/// The configuration git passes on its command line (`git -c key=value`, `git --config-env`) to the programs
/// it runs, hooks and `git refuge` itself: `GIT_CONFIG_PARAMETERS`, and `GIT_CONFIG_COUNT` with
/// `GIT_CONFIG_KEY_<n>`/`GIT_CONFIG_VALUE_<n>`. libgit2 reads neither, so Repository's config reads lay it
/// over the files, as git does: a single value from here wins, multiple values come after the files'.
struct CommandLineConfig {
    /// In the order git applies them; a nil value is a key given without `=` (a boolean true).
    let entries: [(key: String, value: String?)]

    /// This process's: its environment does not change while it runs, so it is read once, not on every
    /// config read (the drain reads `user.name` for every update it records).
    static let current = CommandLineConfig()

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var entries = Self.parameters(environment["GIT_CONFIG_PARAMETERS"] ?? "")
        if let count = environment["GIT_CONFIG_COUNT"].flatMap(Int.init), count > 0 {
            for index in 0..<count {
                guard let key = environment["GIT_CONFIG_KEY_\(index)"], !key.isEmpty else { continue }
                entries.append((key, environment["GIT_CONFIG_VALUE_\(index)"] ?? ""))
            }
        }
        self.entries = entries
    }

    /// The values given for `key`, in order.
    func values(_ key: String) -> [String?] {
        let wanted = Self.canonical(key)
        return entries.filter { Self.canonical($0.key) == wanted }.map(\.value)
    }

    /// Section and variable names are case-insensitive; a subsection (the middle part) is not.
    static func canonical(_ key: String) -> String {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else { return key.lowercased() }
        return ([parts[0].lowercased()] + parts[1..<(parts.count - 1)] + [parts[parts.count - 1].lowercased()])
            .joined(separator: ".")
    }

    /// `'key'='value' 'flag' 'old=form'`: single-quoted words as git's sq_quote writes them (a quote inside
    /// is `'\''`), separated by spaces; `=` joins a key to its value.
    static func parameters(_ text: String) -> [(key: String, value: String?)] {
        var result: [(key: String, value: String?)] = []
        var characters = Array(text)[...]
        func word() -> String? {
            while characters.first == " " { characters.removeFirst() }
            guard characters.first == "'" else { return nil }
            var value = ""
            while let next = characters.first, next == "'" {
                characters.removeFirst()
                while let character = characters.first, character != "'" {
                    value.append(character)
                    characters.removeFirst()
                }
                guard characters.first == "'" else { return nil }
                characters.removeFirst()
                // `'\''` continues the word with a literal quote.
                if characters.starts(with: ["\\", "'"]) {
                    characters.removeFirst(2)
                    value.append("'")
                    if characters.first != "'" { break }
                } else {
                    break
                }
            }
            return value
        }
        while let key = word() {
            if characters.first == "=" {
                characters.removeFirst()
                result.append((key, word() ?? ""))
            } else if let equals = key.firstIndex(of: "=") {
                result.append((String(key[..<equals]), String(key[key.index(after: equals)...])))  // the old form
            } else {
                result.append((key, nil))
            }
        }
        return result
    }

    /// git's boolean words; nil for anything else.
    static func bool(_ value: String?) -> Bool? {
        guard let value else { return true }
        switch value.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0", "": return false
        default: return Int(value).map { $0 != 0 }
        }
    }
}
