import ArgumentParser
import BatonAPI

/// `baton catalog list`
struct CatalogListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every catalog version with its state, hash, author and publisher.",
        discussion: """
            One row per version, by name then version. JSON output is the coordinator's CatalogList.

            Examples:
              baton catalog list
              baton catalog list --name cache-tier-recovery
              baton catalog list --format json | jq -r '.versions[] | select(.state == "published") | .reference'
            """
    )

    @Option(help: "Only versions of this playbook.")
    var name: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let list: CatalogList = try await CoordinatorClient.with(connection) { client in try await client.get("/v1/catalog") }
        let versions = list.versions.filter { name == nil || $0.name == name }
        switch format {
        case .json:
            try Console.printJSON(CatalogList(versions: versions))
        case .text:
            guard !versions.isEmpty else {
                Console.out("no catalog versions")
                return
            }
            var table = TextTable(["VERSION", "STATE", "HASH", "AUTHOR", "PUBLISHER", "REPLACEMENT"])
            table.style = { column, cell in column == 1 ? CatalogText.style(state: cell) : nil }
            for version in versions {
                table.add([
                    version.reference, version.state, CatalogText.shortHash(version.contentHash), version.author,
                    version.publisher ?? "-", version.replacement ?? "-",
                ])
            }
            table.render().forEach { Console.out($0) }
        }
    }
}

/// `baton catalog show NAME@VERSION`
struct CatalogShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a catalog version: its lifecycle, content hash, modules and playbook text.",
        discussion: """
            Examples:
              baton catalog show cache-tier-recovery@2
              baton catalog show cache-tier-recovery@2 --format json | jq -r .text > cache.yaml
            """
    )

    @Argument(help: ArgumentHelp("The version to show.", valueName: "name@version"))
    var reference: CatalogReference

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let version = try await CoordinatorClient.with(connection) { client in try await client.catalogVersion(reference) }
        switch format {
        case .json:
            try Console.printJSON(version)
        case .text:
            CatalogText.metadata(version).forEach { Console.out($0) }
            Console.out("---")
            Console.out(version.text ?? "", terminator: (version.text ?? "").hasSuffix("\n") ? "" : "\n")
        }
    }
}
