import Foundation
import RefugeTestSupport
import Testing

/// `Scripts/install PREFIX`: a stripped binary, its manual page and completion scripts, and what people do
/// with them: `git help refuge`, `git refuge --help`, and `git refuge <TAB>` in bash, zsh and fish. It
/// installs the tests' own binary (REFUGE_BINARY), as a user's install installs the release one.
@Suite("Installing git refuge")
struct InstallScriptTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Installs into `<box>/prefix`; returns the prefix and the environment of a user who has it on PATH.
    func installed(_ box: Sandbox) throws -> (prefix: String, environment: [String: String]) {
        let prefix = box.path("prefix")
        let tool = "\(box.binDirectory)/generate-manual"
        #expect(FileManager.default.isExecutableFile(atPath: tool), "swift build --product generate-manual (Scripts/test does)")
        let result = try box.run("\(Self.packageRoot)/Scripts/install", [prefix], in: Self.packageRoot,
                                 environment: ["REFUGE_BINARY": box.refugeBinary, "REFUGE_MANUAL_TOOL": tool])
        #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
        let environment = [
            "PATH": "\(prefix)/bin:/usr/bin:/bin", "MANPATH": "\(prefix)/share/man", "MANPAGER": "cat", "MANWIDTH": "80",
            "XDG_DATA_DIRS": "\(prefix)/share:/usr/share", "XDG_DATA_HOME": box.path("data"),
        ]
        return (prefix, environment)
    }

    @Test("the binary is stripped; git help refuge and git refuge --help open the manual page")
    func manual() throws {
        let box = try Sandbox()
        let (prefix, environment) = try installed(box)
        let binary = "\(prefix)/bin/git-refuge"
        let sections = try box.run("readelf", ["-S", binary]).stdout
        #expect(!sections.contains(".debug_info") && !sections.contains(".symtab"))
        let size = try FileManager.default.attributesOfItem(atPath: binary)[.size] as? Int ?? 0
        let built = try FileManager.default.attributesOfItem(atPath: box.refugeBinary)[.size] as? Int ?? 0
        #expect(size > 0 && size < built, "\(size) of \(built) bytes")
        #expect(try box.run("git", ["refuge", "--version"], environment: environment).stdout == "git-refuge version 0.2.0\n")
        for arguments in [["help", "refuge"], ["refuge", "--help"]] {
            let page = try box.run("git", arguments, environment: environment)
            #expect(page.succeeded, "\(arguments): \(page.stderr)")
            #expect(page.stdout.contains("GIT-REFUGE(1)") && page.stdout.contains("Record every ref update"), "\(arguments)")
            // Every command is in it, with its options and examples.
            #expect(page.stdout.contains("recover") && page.stdout.contains("--replay") && page.stdout.contains("Examples:"))
        }
    }

    @Test("git refuge <TAB>: bash through git's own completion, zsh through its _git, fish through its git completion")
    func completion() throws {
        let box = try Sandbox()
        let (prefix, environment) = try installed(box)
        // bash: git's completion loads git-refuge's file (bash-completion's loader) and calls _git_refuge.
        let bash = """
            source /usr/share/bash-completion/bash_completion
            complete_line() {
                COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
                read -ra COMP_WORDS <<< "$COMP_LINE"
                [ "${COMP_LINE: -1}" = " " ] && COMP_WORDS+=("")
                COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
                COMPREPLY=()
                _completion_loader git
                __git_wrap__git_main git "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf '%s|' "${COMPREPLY[@]}"; echo
            }
            complete_line "git refuge lo"
            complete_line "git -C /tmp refuge log --for"
            complete_line "git refuge recover main --re"
            """
        let completed = try box.run("/bin/bash", ["-c", bash], environment: environment)
        #expect(completed.stdout == "log |lost |\n--forced |\n--replay |\n", "\(completed.stdout) \(completed.stderr)")

        // zsh: an interactive shell in a pseudo-terminal, TAB pressed after `git refuge lo`.
        let zsh = """
            zmodload zsh/zpty
            zpty z zsh -f -i
            zpty -w z 'fpath=(\(prefix)/share/zsh/site-functions $fpath); PS1="> "; autoload -Uz compinit; compinit -u -D; setopt nobeep; print READY'
            zpty -r z line '*READY*'
            zpty -w -n z $'git refuge lo\\t'
            sleep 2
            out=""
            while zpty -r -t z chunk; do out+=$chunk; done
            print -r -- "$out" | tr -d '\\r' | sed 's/\\x1b\\[[0-9;?]*[a-zA-Z]//g' | grep -a -o -E '(log|lost) +-- [A-Z][a-z]+ [a-z]+' | tr -s ' ' | sort -u
            zpty -d z
            """
        let zshed = try box.run("/usr/bin/zsh", ["-f", "-c", zsh], environment: environment)
        #expect(zshed.stdout == "log -- List recorded\nlost -- List commits\n", "\(zshed.stdout) \(zshed.stderr)")

        // fish: its git completion, with the line Refuge adds in vendor_conf.d.
        let fished = try box.run("/usr/bin/fish", ["-c", "complete -C 'git refuge lo'; complete -C 'git refuge recover main --re'"],
                                 environment: environment)
        #expect(fished.stdout.split(separator: "\n").map { String($0.prefix { $0 != "\t" }) } == ["log", "lost", "--replay"],
                "\(fished.stdout) \(fished.stderr)")
    }
}
