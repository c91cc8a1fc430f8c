import ArgumentParser
import BatonAPI

/// `baton audit verify`
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit chain: every record's hash matches its contents and links to the one before.",
        discussion: """
            The coordinator recomputes every record's hash, oldest first, and reports the first record \
            that was changed, or that follows removed or reordered records. When the chain holds, the \
            record count and the newest record's hash are printed: note that hash somewhere else (a \
            ticket, another system). Removing the newest records leaves a chain that still holds, and \
            only a comparison with a hash noted earlier shows it (see docs/audit.md). Needs the admin role.

            Examples:
              baton audit verify
              baton audit verify --format json | jq -r .lastHash

            Exit status: 0 when the chain holds; 1 when it is broken (naming the first bad record) or the \
            request is refused; 2 when the coordinator cannot be reached or fails.
            """
    )

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let result: AuditVerifyResponse = try await CoordinatorClient.with(connection) { client in
            try await client.get("/v1/audit/verify")
        }
        if format == .json { try Console.printJSON(result) }
        guard result.ok else {
            let sequence = result.firstBadSequence.map(String.init) ?? "?"
            let message = "audit chain broken at record \(sequence): \(result.problem ?? "no reason given")"
            if format == .json { throw ExitCode(1) }
            throw Console.fail(message)
        }
        guard format == .text else { return }
        Console.out("audit chain intact: \(result.records ?? 0) records")
        Console.out("last hash: \(result.lastHash ?? "")")
        Console.out(Console.styled("keep this hash outside batond: removing the newest records is only detectable against it", .dim))
    }
}
