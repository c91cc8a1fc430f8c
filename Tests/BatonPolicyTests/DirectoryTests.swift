import BatonPolicy
import BatonSpec
import Foundation
import Testing

@Suite struct DirectoryTests {
    @Test func loadsEveryYAMLFileOfADirectoryInNameOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try examplePolicy.write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        let extra = policy("  - {id: extra, kind: max_concurrency, message: m, step: {tier: platform}, limit: 2}\n")
        try extra.write(to: directory.appendingPathComponent("b.yml"), atomically: true, encoding: .utf8)
        try "ignored".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let (set, diagnostics) = PolicySet.load(directory: directory)
        #expect(diagnostics.isEmpty)
        #expect(set?.rules.count == 7)
        #expect(set?.rules.last?.id == "extra")
        #expect(set?.rules.last?.file.hasSuffix("b.yml") == true)

        let (missing, problems) = PolicySet.load(directory: directory.appendingPathComponent("nope"))
        #expect(missing == nil && problems.map(\.code) == ["unreadable"])
    }
}
