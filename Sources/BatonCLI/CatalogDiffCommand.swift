import ArgumentParser
import BatonAPI

/// `baton catalog diff A B`
struct CatalogDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two catalog versions: state, hash, author, modules and a line diff of the playbook text.",
        discussion: """
            Lines starting with - are only in A, + only in B; unchanged lines near a change are shown \
            for context. The exit status is 0 either way.

            Examples:
              baton catalog diff cache-tier-recovery@1 cache-tier-recovery@2
              baton catalog diff cache-tier-recovery@1 cache-tier-recovery@2 --format json
            """
    )

    /// `baton catalog diff --format json`.
    struct Report: Encodable {
        var from: CatalogVersionView
        var to: CatalogVersionView
        var identical: Bool
        /// Module files only in `from`, only in `to`, or in both with different text.
        var modulesRemoved: [String]
        var modulesAdded: [String]
        var modulesChanged: [String]
        /// Every line of both texts: `op` is " " (in both), "-" (only in from) or "+" (only in to).
        var lines: [LineDiff.Line]
    }

    @Argument(help: ArgumentHelp("The older version.", valueName: "name@version"))
    var from: CatalogReference

    @Argument(help: ArgumentHelp("The newer version.", valueName: "name@version"))
    var to: CatalogReference

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let (old, new) = try await CoordinatorClient.with(connection) { client in
            (try await client.catalogVersion(from), try await client.catalogVersion(to))
        }
        let report = Self.report(old, new)
        switch format {
        case .json: try Console.printJSON(report)
        case .text: Self.printText(report)
        }
    }

    static func report(_ old: CatalogVersionView, _ new: CatalogVersionView) -> Report {
        let oldModules = Dictionary((old.modules ?? []).map { ($0.file, $0.text) }, uniquingKeysWith: { first, _ in first })
        let newModules = Dictionary((new.modules ?? []).map { ($0.file, $0.text) }, uniquingKeysWith: { first, _ in first })
        return Report(
            from: old, to: new, identical: old.contentHash == new.contentHash,
            modulesRemoved: oldModules.keys.filter { newModules[$0] == nil }.sorted(),
            modulesAdded: newModules.keys.filter { oldModules[$0] == nil }.sorted(),
            modulesChanged: oldModules.keys.filter { newModules[$0] != nil && newModules[$0] != oldModules[$0] }.sorted(),
            lines: LineDiff(from: old.text ?? "", to: new.text ?? "").lines)
    }

    static func printText(_ report: Report) {
        let (old, new) = (report.from, report.to)
        Console.out(Console.styled("--- \(old.reference)", .red))
        Console.out(Console.styled("+++ \(new.reference)", .green))
        func field(_ label: String, _ a: String, _ b: String) {
            Console.out(a == b ? "\(label) \(a)" : "\(label) \(a) -> \(b)")
        }
        field("state: ", old.state, new.state)
        field("hash:  ", CatalogText.shortHash(old.contentHash), CatalogText.shortHash(new.contentHash))
        field("author:", old.author, new.author)
        for file in report.modulesRemoved { Console.out("module removed: \(file)") }
        for file in report.modulesAdded { Console.out("module added:   \(file)") }
        for file in report.modulesChanged { Console.out("module changed: \(file)") }
        let diff = LineDiff(lines: report.lines)
        guard diff.hasChanges else {
            Console.out("playbook text: identical")
            return
        }
        Console.out("@@ \(old.fileName) -> \(new.fileName)")
        for line in diff.rendered() {
            let style: Console.Style? = line.op == .add ? .green : line.op == .remove ? .red : nil
            Console.out(Console.styled("\(line.op.rawValue) \(line.text)", style))
        }
    }
}
