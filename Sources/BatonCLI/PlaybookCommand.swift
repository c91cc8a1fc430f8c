import ArgumentParser

/// `baton playbook`: offline checks of playbook files.
struct PlaybookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playbook",
        abstract: "Check playbooks and preview their plans, without contacting the coordinator.",
        discussion: """
            Diagnostics use the `file:line:column: error: message` form that editors and CI understand.

            Examples:
              baton playbook lint playbooks/*.yaml
              baton playbook plan cache.yaml --param workdir=/tmp/demo
            """,
        subcommands: [PlaybookLintCommand.self, PlaybookPlanCommand.self]
    )
}
