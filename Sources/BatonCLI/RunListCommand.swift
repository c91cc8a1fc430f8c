import ArgumentParser
import BatonAPI

/// `baton run list`
struct RunListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List runs: newest last, with their phase and progress.",
        discussion: """
            One row per run: id, playbook@version, incident, phase, verified steps of all steps, who \
            started it, when, and how long it took (so far, while running). JSON output is the \
            coordinator's RunList.

            Examples:
              baton run list
              baton run list --incident INC-42
              baton run list --phase blocked --format json | jq -r '.runs[].runID'
            """
    )

    @Option(help: "Only runs for this incident.")
    var incident: String?

    @Option(help: "Only runs in this phase: running, blocked, succeeded or failed.")
    var phase: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func validate() throws {
        let phases = ["running", "blocked", "paused", "succeeded", "failed", "aborted", "rolling-back", "rolled-back"]
        if let phase, !phases.contains(phase) {
            throw ValidationError("--phase \(phase): expected one of \(phases.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let list: RunList = try await CoordinatorClient.with(connection) { client in try await client.get("/v1/runs") }
        let runs = list.runs.filter { run in
            (incident == nil || run.incident == incident) && (phase == nil || run.phase == phase)
        }
        switch format {
        case .json:
            try Console.printJSON(RunList(runs: runs))
        case .text:
            guard !runs.isEmpty else {
                Console.out("no runs")
                return
            }
            var table = TextTable(["RUN", "PLAYBOOK", "INCIDENT", "PHASE", "VERIFIED", "STARTED BY", "STARTED", "DURATION"])
            for run in runs {
                let verified = run.steps.filter { $0.status == "verified" }.count
                let end = run.finishedAt ?? TimeText.nowMilliseconds()
                table.add([
                    run.runID, "\(run.playbook)@\(run.playbookVersion)", run.incident, run.phase,
                    "\(verified)/\(run.steps.count)", run.startedBy, TimeText.clock(run.startedAt),
                    TimeText.duration(end - run.startedAt),
                ])
            }
            table.render().forEach { Console.out($0) }
        }
    }
}
