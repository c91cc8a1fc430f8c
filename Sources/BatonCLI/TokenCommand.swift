import BatonModel
import ArgumentParser
import BatonAPI

/// `baton token create|list|revoke`: bearer tokens for scripts (role admin).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke bearer tokens for scripts (needs the admin role).",
        discussion: """
            A token lets a script act with the token's roles instead of its certificate's: the connection \
            still needs an operator certificate from the Baton CA (mutual TLS), and the token names who \
            acted (`token:NAME` in runs, approvals and the audit log). batond stores only the SHA-256 of \
            the secret; the secret is printed once, by `create`. A revoked token is refused (401).

            Examples:
              baton token create ci-deploys --role responder
              BATON_TOKEN=baton_3f… baton run start restore@3 --incident INC-7
              baton token list
              baton token revoke ci-deploys
            """,
        subcommands: [TokenCreateCommand.self, TokenListCommand.self, TokenRevokeCommand.self]
    )
}

struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a token and print its secret (shown only this once).")

    @Argument(help: ArgumentHelp("The token's name: letters, digits, '-', '_', '.'.", valueName: "name"))
    var name: String

    @Option(name: .customLong("role"), help: ArgumentHelp("A role the token carries (repeatable).", valueName: "role"))
    var roles: [String] = []

    @Option(help: "Output format: text (the secret alone on stdout) or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func validate() throws {
        guard !roles.isEmpty else { throw ValidationError("give at least one --role (\(OperatorRole.names))") }
        if let unknown = roles.first(where: { OperatorRole(rawValue: $0) == nil }) {
            throw ValidationError("unknown role '\(unknown)'; roles: \(OperatorRole.names)")
        }
    }

    func run() async throws {
        let created: TokenCreated = try await CoordinatorClient.with(connection) { client in
            try await client.post("/v1/tokens", TokenCreateRequest(name: name, roles: roles))
        }
        switch format {
        case .json: try Console.printJSON(created)
        case .text:
            Console.err("created token \(created.token.name) with roles \(created.token.roles.joined(separator: ", ")); keep the secret, it is not shown again")
            Console.out(created.secret)
        }
    }
}

struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (never their secrets).")

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let list: TokenList = try await CoordinatorClient.with(connection) { client in try await client.get("/v1/tokens") }
        switch format {
        case .json: try Console.printJSON(list)
        case .text:
            var table = TextTable(["NAME", "ROLES", "CREATED BY", "CREATED", "REVOKED"])
            for token in list.tokens {
                table.add([
                    token.name, token.roles.joined(separator: ","), token.createdBy, TimeText.clock(token.createdAt),
                    token.revokedAt.map(TimeText.clock) ?? "-",
                ])
            }
            table.render().forEach { Console.out($0) }
        }
    }
}

struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token: it is refused from now on.")

    @Argument(help: ArgumentHelp("The token's name.", valueName: "name"))
    var name: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let path = "/v1/tokens/\(CoordinatorClient.segment(name))/revoke"
        let token: TokenView = try await CoordinatorClient.with(connection) { client in
            try await client.post(path, [String: String]())
        }
        switch format {
        case .json: try Console.printJSON(token)
        case .text: Console.out("revoked token \(token.name)")
        }
    }
}
