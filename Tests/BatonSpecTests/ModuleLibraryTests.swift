import BatonModel
import BatonSpec
import Foundation
import Testing

@Suite struct ModuleLibraryTests {
    @Test func makeReportsWhatIsNotAModule() throws {
        let (library, diagnostics) = ModuleLibrary.make([
            ModuleSource(file: "a.yaml", text: lagModule()),
            ModuleSource(file: "b.yaml", text: lagModule()),
            ModuleSource(file: "c.yaml", text: examplePlaybook),
            ModuleSource(file: "d.yaml", text: "kind: Module\nmetadata: {name: x, version: one}\n"),
            ModuleSource(file: "e.yaml", text: "kind: [\n"),
        ])
        #expect(library.versions(of: "pg-replica-lag") == ["1.0.0"])
        #expect(library.sources.map(\.file) == ["a.yaml"])
        // d.yaml: no apiVersion, no steps, and a version that is not MAJOR.MINOR.PATCH.
        #expect(
            diagnostics.map(\.code) == ["duplicate-module", "not-a-module", "missing-key", "missing-key", "bad-value", "yaml-syntax"])
        #expect(diagnostics.map(\.file) == ["b.yaml", "c.yaml", "d.yaml", "d.yaml", "d.yaml", "e.yaml"])
        #expect(diagnostics[0].message.contains("already defined in a.yaml"))
        #expect((diagnostics[0].line, diagnostics[0].column) == (3, 43))
    }

    @Test func restrictedToWhatAPlaybookUses() throws {
        let other = lagModule().replacingOccurrences(of: "name: pg-replica-lag", with: "name: other")
        let library = library(
            [(file: "other.yaml", text: other)] + lagLibrary.sources.map { (file: $0.file, text: $0.text) })
        let source = header + "steps:\n  - id: lag\n    uses: pg-replica-lag@1\n    with: {host: db}\n"
        let playbook = try loadClean(source, modules: library)
        #expect(playbook.modules == ["pg-replica-lag@1.10.0"])
        let shipped = library.restricted(to: playbook.modules)
        #expect(shipped.sources.map(\.file) == ["modules/pg-replica-lag-1.10.0.yaml"])
        #expect(library.restricted(to: ["pg-replica-lag"]).sources.count == 4)
        // What the server rebuilds from the shipped sources plans the same.
        let data = try JSONEncoder().encode(shipped.sources)
        let (received, problems) = ModuleLibrary.make(try JSONDecoder().decode([ModuleSource].self, from: data))
        #expect(problems.isEmpty)
        #expect(received == shipped)
        let here = try Planner.plan(playbook, parameters: [:]).get()
        let there = try Planner.plan(try loadClean(source, modules: received), parameters: [:]).get()
        #expect(here.hash == there.hash)
    }

    @Test func scanFindsModulesRecursively() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("baton-modules-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let nested = root.appendingPathComponent("postgres/lag")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        try lagModule().write(to: nested.appendingPathComponent("lag.yaml"), atomically: true, encoding: .utf8)
        try lagModule(version: "1.1.0").write(to: root.appendingPathComponent("lag-1.1.yml"), atomically: true, encoding: .utf8)
        try examplePlaybook.write(to: root.appendingPathComponent("playbook.yaml"), atomically: true, encoding: .utf8)
        try "not: [yaml".write(to: root.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        try "kind: Module\n".write(to: root.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

        let (library, diagnostics) = ModuleLibrary.scan(directories: [root.path, root.appendingPathComponent("missing").path])
        #expect(library.versions(of: "pg-replica-lag") == ["1.0.0", "1.1.0"])
        #expect(library.sources.map { URL(fileURLWithPath: $0.file).lastPathComponent } == ["lag.yaml", "lag-1.1.yml"])
        #expect(diagnostics.map(\.code) == ["unreadable-file"])
        #expect(diagnostics.first?.message.contains("missing") == true)
    }

    @Test func moduleLoaderReadsAModule() throws {
        let (module, diagnostics) = ModuleLoader.load(source: lagModule(), file: "lag.yaml")
        #expect(diagnostics.isEmpty)
        let loaded = try #require(module)
        #expect(loaded.reference == "pg-replica-lag@1.0.0")
        #expect(loaded.inputs.map(\.name) == ["host", "port", "max_lag"])
        #expect(loaded.input("host")?.isRequired == true)
        #expect(loaded.input("port")?.defaultValue == "5432")
        let output = try #require(loaded.output("lag"))
        #expect(loaded.outputs.count == 1)
        #expect(output.type == .int)
        #expect(output.value == OutputReference(step: "measure", output: "lag_bytes"))
        #expect(output.description == "bytes behind")
        #expect(output.position == SourcePosition(line: 9, column: 3))
        #expect(loaded.steps.map(\.id) == ["reachable", "measure", "verify", "notify"])
        #expect(loaded.steps.allSatisfy { $0.file == "lag.yaml" })
    }
}
