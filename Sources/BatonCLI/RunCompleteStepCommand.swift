import ArgumentParser
import BatonAPI

/// `baton run complete-step RUN STEP --evidence TEXT`
struct RunCompleteStepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "complete-step",
        abstract: "Complete a manual step of a run, with evidence of what was done.",
        discussion: """
            A step written `manual: {instructions: ...}` is done by a person, not an agent: the run waits \
            (status awaiting-operator) until an operator completes it here. The evidence, your identity \
            (from your certificate) and the time are journaled and shown by `baton run status`.

            Examples:
              baton run complete-step run-20261129-101500-0a1b2c3d confirm-failover \\
                --evidence "DBA on duty (J. Doe) confirmed db-2 is primary; ticket DBA-881"
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run"))
    var runID: String

    @Argument(help: ArgumentHelp("The manual step's id.", valueName: "step"))
    var stepID: String

    @Option(help: "What was done and how it was checked (required, not empty).")
    var evidence: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func validate() throws {
        guard !evidence.allSatisfy(\.isWhitespace) else {
            throw ValidationError("--evidence must say what was done; it is empty")
        }
    }

    func run() async throws {
        let path = "/v1/runs/\(CoordinatorClient.segment(runID))/steps/\(CoordinatorClient.segment(stepID))/complete"
        let run: RunView = try await CoordinatorClient.with(connection) { client in
            try await client.post(path, CompleteStepRequest(evidence: evidence))
        }
        switch format {
        case .json: try Console.printJSON(run)
        case .text:
            Console.out("completed \(stepID) in \(runID); the run is \(run.phase)")
        }
    }
}
