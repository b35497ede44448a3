import Testing
@testable import GitKit

/// `git -c` reaches Refuge as GIT_CONFIG_PARAMETERS or GIT_CONFIG_COUNT; libgit2 reads neither.
@Suite("Configuration given on git's command line")
struct CommandLineConfigTests {
    @Test("GIT_CONFIG_PARAMETERS: quoted pairs, a key alone, the old form, a quote inside a value")
    func parameters() {
        let parsed = CommandLineConfig.parameters(#"'refuge.prepush'='block' 'core.bare' 'user.name=Old Form' 'a.b'='it'\''s'"#)
        #expect(parsed.map(\.key) == ["refuge.prepush", "core.bare", "user.name", "a.b"])
        #expect(parsed.map(\.value) == ["block", nil, "Old Form", "it's"])
        #expect(CommandLineConfig.parameters("").isEmpty)
    }

    @Test("the last value wins, keys compare as git compares them, GIT_CONFIG_COUNT comes after")
    func lookup() {
        let config = CommandLineConfig(environment: [
            "GIT_CONFIG_PARAMETERS": "'refuge.prePush'='warn' 'Refuge.PREPUSH'='block' 'remote.Origin.url'='x'",
            "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "refuge.protect", "GIT_CONFIG_VALUE_0": "refs/heads/main",
        ])
        #expect(config.values("refuge.prepush") == ["warn", "block"])
        #expect(config.values("remote.Origin.URL") == ["x"])
        #expect(config.values("remote.origin.url").isEmpty)  // subsections are case-sensitive
        #expect(config.values("refuge.protect") == ["refs/heads/main"])
        #expect(CommandLineConfig.bool(nil) == true && CommandLineConfig.bool("off") == false && CommandLineConfig.bool("x") == nil)
    }
}
