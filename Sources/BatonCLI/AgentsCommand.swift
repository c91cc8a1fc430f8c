import ArgumentParser

/// `baton agents`: what the coordinator knows about its agents.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "Inspect the agents known to the coordinator.",
        discussion: """
            Example:
              baton agents list --pki ./baton-pki --operator alice
            """,
        subcommands: [AgentsListCommand.self]
    )
}
