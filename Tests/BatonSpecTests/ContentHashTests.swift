import BatonSpec
import Testing

@Suite struct ContentHashTests {
    let modules = [
        ModuleSource(file: "platform/restart.yaml", text: "kind: Module\n"),
        ModuleSource(file: "database/promote.yaml", text: "kind: Module\nmetadata: {name: promote}\n"),
    ]

    @Test func theOrderModulesAreGivenInDoesNotMatter() {
        #expect(ContentHash.of(playbook: "p", modules: modules) == ContentHash.of(playbook: "p", modules: modules.reversed()))
    }

    @Test func anyChangeToTextOrModulesChangesTheHash() {
        let base = ContentHash.of(playbook: "p", modules: modules)
        #expect(base.count == 64 && base.allSatisfy(\.isHexDigit))
        #expect(ContentHash.of(playbook: "p ", modules: modules) != base)
        #expect(ContentHash.of(playbook: "p", modules: Array(modules.prefix(1))) != base)
        var renamed = modules
        renamed[0].file = "platform/restart2.yaml"
        #expect(ContentHash.of(playbook: "p", modules: renamed) != base)
    }

    /// Moving bytes between fields must not produce the same encoding.
    @Test func fieldBoundariesAreUnambiguous() {
        let one = ContentHash.of(playbook: "ab", modules: [ModuleSource(file: "c", text: "d")])
        let two = ContentHash.of(playbook: "a", modules: [ModuleSource(file: "bc", text: "d")])
        let three = ContentHash.of(playbook: "ab", modules: [ModuleSource(file: "", text: "cd")])
        #expect(Set([one, two, three]).count == 3)
        #expect(ContentHash.of(playbook: "", modules: []) != ContentHash.of(playbook: "0", modules: []))
    }
}
