import ArgumentParser

/// `baton audit`: the coordinator's hash-chained audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Query and verify the coordinator's hash-chained audit log.",
        discussion: """
            batond records every API request (accepted or refused), every run start, dispatch, agent \
            report and other run event, and every refused report or command, with who asked, when, and \
            the incident, run, step and agent involved. Each record carries the hash of the one before it, \
            so a record changed or removed in the database breaks the chain.

            Examples:
              baton audit query --incident INC-42 --agent db-1
              baton audit query --actor agent:database/db-1 --format json
              baton audit verify

            Querying needs the viewer role; verifying needs admin.
            """,
        subcommands: [AuditQueryCommand.self, AuditVerifyCommand.self]
    )
}
