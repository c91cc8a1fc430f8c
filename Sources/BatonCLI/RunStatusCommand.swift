import ArgumentParser
import BatonAPI

/// `baton run status RUN`
struct RunStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a run: its phase and every step's status.",
        discussion: """
            Text output has a header (run, playbook@version, incident, phase and reason, who started it, \
            duration) and one row per step in plan order: id, tier, status, attempt, agent, duration and \
            reason. Failed steps are followed by their evidence (each probe's expectation and \
            observation) and the last lines of the action's stderr. JSON output is the coordinator's RunView.

            Examples:
              baton run status r-000001-3f2a
              baton run status r-000001-3f2a --format json | jq '.steps[] | select(.status == "failed")'
            """
    )

    @Argument(help: ArgumentHelp("The run id (printed by `baton run start`).", valueName: "run"))
    var runID: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let path = "/v1/runs/\(CoordinatorClient.segment(runID))"
        let run: RunView = try await CoordinatorClient.with(connection) { client in try await client.get(path) }
        switch format {
        case .text: RunViewText.render(run).forEach { Console.out($0) }
        case .json: try Console.printJSON(run)
        }
    }
}
