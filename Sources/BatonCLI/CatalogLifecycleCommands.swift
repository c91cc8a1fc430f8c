import ArgumentParser
import BatonAPI

/// `baton catalog publish NAME@VERSION`
struct CatalogPublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a draft version so runs can start from it.",
        discussion: """
            Needs the publisher role, and you must not be the version's author: every published \
            playbook has been looked at by two people.

            Examples:
              baton catalog publish cache-tier-recovery@2
            """
    )

    @Argument(help: ArgumentHelp("The version to publish.", valueName: "name@version"))
    var reference: CatalogReference

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let updated: CatalogVersionView = try await CoordinatorClient.with(connection) { client in
            try await client.post(reference.path + "/publish", [String: String]())
        }
        try CatalogText.printChange(updated, format: format)
    }
}

/// What deprecate and retire take: the version, its replacement, a reason, the format and the connection.
struct ReplacementOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The version to change.", valueName: "name@version"))
    var reference: CatalogReference

    @Option(help: ArgumentHelp("The catalog version to use instead (it must be in the catalog).", valueName: "name@version"))
    var replacement: CatalogReference

    @Option(help: "Why, shown to whoever starts the old version.")
    var reason: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    /// `POST /v1/catalog/NAME/VERSION/<action>` with the replacement and reason; prints the result.
    func send(_ action: String) async throws {
        let request = CatalogTransitionRequest(replacement: replacement.description, reason: reason)
        let updated: CatalogVersionView = try await CoordinatorClient.with(connection) { client in
            try await client.post(reference.path + "/" + action, request)
        }
        try CatalogText.printChange(updated, format: format)
    }
}

/// `baton catalog deprecate NAME@VERSION --replacement NAME@VERSION`
struct CatalogDeprecateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deprecate",
        abstract: "Deprecate a published version: runs still start, with a warning naming the replacement.",
        discussion: """
            Needs the publisher role.

            Examples:
              baton catalog deprecate cache-tier-recovery@1 \\
                  --replacement cache-tier-recovery@2 --reason "old drain"
            """
    )

    @OptionGroup var options: ReplacementOptions

    func run() async throws { try await options.send("deprecate") }
}

/// `baton catalog retire NAME@VERSION --replacement NAME@VERSION`
struct CatalogRetireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retire",
        abstract: "Retire a published or deprecated version: new runs are refused and pointed to the replacement.",
        discussion: """
            Runs already in flight are not affected: they finish on the plan they started with. \
            Needs the publisher role.

            Examples:
              baton catalog retire cache-tier-recovery@1 --replacement cache-tier-recovery@2
            """
    )

    @OptionGroup var options: ReplacementOptions

    func run() async throws { try await options.send("retire") }
}
