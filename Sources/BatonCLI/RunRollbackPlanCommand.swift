import ArgumentParser
import BatonAPI

/// `baton run rollback-plan RUN`
struct RunRollbackPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback-plan",
        abstract: "Show the compensation plan of a run: the rollbacks that run (or would run now), in order.",
        discussion: """
            When a step fails under `on_failure: rollback`, the coordinator runs the `rollback:` of every \
            verified step, newest first; steps with `rollback: none` are left out. Before that happens this \
            command previews what would run if a rollback started now; once it has started, it shows the \
            plan being run with each compensating step's status.

            Examples:
              baton run rollback-plan run-20261129-101500-0a1b2c3d
              baton run rollback-plan run-20261129-101500-0a1b2c3d --format json | jq -r '.steps[].undoes'
            """
    )

    @Argument(help: ArgumentHelp("The run id (printed by `baton run start`).", valueName: "run"))
    var runID: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let path = "/v1/runs/\(CoordinatorClient.segment(runID))/rollback-plan"
        let plan: RollbackPlanView = try await CoordinatorClient.with(connection) { client in try await client.get(path) }
        switch format {
        case .json:
            try Console.printJSON(plan)
        case .text:
            let what = plan.planned ? "compensation plan (running or run)" : "compensation plan preview (nothing rolled back yet)"
            Console.out("\(Console.styled(plan.runID, .bold)): \(what)")
            if let trigger = plan.trigger { Console.out("triggered by the failure of \(trigger)") }
            guard !plan.steps.isEmpty else {
                Console.out("nothing to roll back: no verified step declares a rollback")
                return
            }
            var table = TextTable(["#", "UNDOES", "TIER", "STATUS", "COMMAND", "VERIFIED BY"])
            table.style = { column, text in column == 3 ? RunViewText.style(status: text) : nil }
            for (index, step) in plan.steps.enumerated() {
                table.add([
                    "\(index + 1)", step.undoes, step.tier, step.status, step.argv.joined(separator: " "),
                    step.post.isEmpty ? "-" : step.post.joined(separator: "; "),
                ])
            }
            table.render().forEach { Console.out($0) }
        }
    }
}
