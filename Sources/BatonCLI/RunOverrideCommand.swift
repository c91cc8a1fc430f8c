import ArgumentParser
import BatonAPI

/// `baton run override RUN STEP (--mark-verified --evidence TEXT | --skip | --force-past-failure) --reason TEXT`
struct RunOverrideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "override",
        abstract: "Override a step by hand (admin): mark it verified, skip it, or force the run past it.",
        discussion: """
            Overrides are for when the automation cannot decide: a step whose outcome is unknown, a failure \
            under on_failure: pause, a policy denial, a denied or timed-out approval. Each needs the admin \
            role and a reason; it is journaled and audited with your identity, and marks the run as not \
            fully automated. A blocked run continues once its blocking step is overridden.

              --mark-verified       you checked the postconditions yourself (give --evidence; --output for
                                    each output the step declares)
              --skip                the step does not run; steps that need it go on as after a false when:
              --force-past-failure  a failed or unknown step stops holding the run back (it stays
                                    unverified); a denied step, or one awaiting approval, may start

            Examples:
              baton run override RUN promote --mark-verified --evidence "pg_is_in_recovery() = f on db-2" \\
                --output primary=db-2 --reason "agent lost during promotion; checked by hand"
              baton run override RUN restore-db --force-past-failure --reason "freeze exception CAB-1190"
              baton run override RUN warm-cache --skip --reason "cache tier rebuilt separately"
            """
    )

    @Argument(help: ArgumentHelp("The run id.", valueName: "run"))
    var runID: String

    @Argument(help: ArgumentHelp("The step to override.", valueName: "step"))
    var stepID: String

    @Flag(help: "Count the step as verified on your evidence.")
    var markVerified = false

    @Flag(help: "Do not run the step; dependents proceed.")
    var skip = false

    @Flag(help: "Let the run go past a failed, unknown or denied step, or let a step awaiting approval start.")
    var forcePastFailure = false

    @Option(help: "Why (required; journaled and audited).")
    var reason: String

    @Option(help: "What you checked (required with --mark-verified).")
    var evidence: String?

    @Option(
        name: .customLong("output"),
        help: ArgumentHelp("An output value for a step marked verified, NAME=VALUE (repeatable).", valueName: "name=value"))
    var outputs: [String] = []

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    var kind: String {
        if markVerified { return "mark-verified" }
        return skip ? "skip" : "force-past-failure"
    }

    func validate() throws {
        let chosen = [markVerified, skip, forcePastFailure].filter { $0 }.count
        guard chosen == 1 else {
            throw ValidationError("choose exactly one of --mark-verified, --skip, --force-past-failure")
        }
        guard !reason.allSatisfy(\.isWhitespace) else { throw ValidationError("--reason must say why; it is empty") }
        if markVerified, evidence?.allSatisfy(\.isWhitespace) ?? true {
            throw ValidationError("--mark-verified needs --evidence saying what you checked")
        }
        if !outputs.isEmpty, !markVerified { throw ValidationError("--output goes with --mark-verified only") }
        _ = try outputValues()
    }

    func outputValues() throws -> [String: String] { try ParameterOptions.parse(outputs, option: "--output") }

    func run() async throws {
        let path = "/v1/runs/\(CoordinatorClient.segment(runID))/steps/\(CoordinatorClient.segment(stepID))/override"
        let request = OverrideRequest(
            kind: kind, reason: reason, evidence: evidence, outputs: outputs.isEmpty ? nil : try outputValues())
        let run: RunView = try await CoordinatorClient.with(connection) { client in try await client.post(path, request) }
        switch format {
        case .json: try Console.printJSON(run)
        case .text:
            let status = run.steps.first { $0.id == stepID }?.status ?? "?"
            Console.out("overrode \(stepID) in \(runID) (\(kind)); the step is \(status), the run \(run.phase) and no longer fully automated")
        }
    }
}
