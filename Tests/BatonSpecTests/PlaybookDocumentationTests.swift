import BatonSpec
import Foundation
import Testing

/// Every ```yaml block in docs/playbooks.md: whole playbooks plan, modules load, and step lists
/// (blocks starting with `- id:`) plan inside a minimal playbook, all without any diagnostic.
@Suite struct PlaybookDocumentationTests {
    static func blocks() throws -> [String] {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/playbooks.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        return text.matches(of: /```yaml\n(.*?)```/.dotMatchesNewlines()).map { String($0.1) }
    }

    @Test func everyYAMLBlockLoadsAndPlans() throws {
        let blocks = try Self.blocks()
        let modules = blocks.filter { $0.contains("kind: Module") }
        let (library, problems) = ModuleLibrary.make(
            modules.enumerated().map { ModuleSource(file: "docs-module-\($0.offset).yaml", text: $0.element) })
        #expect(problems.isEmpty, "\(problems)")
        for module in modules {
            #expect(ModuleLoader.load(source: module, file: "module.yaml").diagnostics.isEmpty)
        }
        let playbooks = blocks.filter { !$0.contains("kind: Module") }.map { block in
            block.hasPrefix("- id:")
                ? header + "steps:\n" + block.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n" : block
        }
        #expect(blocks.count == 12)
        for playbook in playbooks {
            let (loaded, diagnostics) = load(playbook, modules: library)
            #expect(diagnostics.isEmpty, "\(diagnostics)\n\(playbook)")
            guard let loaded else { continue }
            // The parameter example has two required parameters.
            let required = loaded.parameters.filter(\.isRequired).map { ($0.name, "x") }
            let plan = Planner.plan(loaded, parameters: Dictionary(uniqueKeysWithValues: required))
            #expect(plan.failure == nil, "\(String(describing: plan.failure))")
        }
    }
}
