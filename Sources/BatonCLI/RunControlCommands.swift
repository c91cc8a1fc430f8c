import ArgumentParser
import BatonAPI

/// What the run-control commands share: the run, the output format and the connection.
struct RunControlOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The run id.", valueName: "run"))
    var runID: String

    @Option(help: "Output format: text or json (the run as the coordinator now sees it).")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    /// Posts the command and prints the run it answers with.
    func send<Body: Encodable & Sendable>(_ path: String, _ body: Body, done: String) async throws {
        let run: RunView = try await CoordinatorClient.with(connection) { client in
            try await client.post("/v1/runs/\(CoordinatorClient.segment(runID))/\(path)", body)
        }
        switch format {
        case .json:
            try Console.printJSON(run)
        case .text:
            Console.out("\(done) \(runID): the run is \(run.phase)\(run.reason.isEmpty ? "" : " (\(run.reason))")")
            for step in run.steps where ["dispatched", "cancelled", "pending", "retrying"].contains(step.status) && step.agent != nil {
                Console.out("  \(step.id): \(step.status), attempt \(step.attempt) on \(step.agent!)")
            }
        }
    }
}

/// `baton run abort RUN --reason TEXT [--rollback]`
struct RunAbortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Stop a run: cancel its steps in flight and start nothing new.",
        discussion: """
            The coordinator journals the abort and sends a cancel for every attempt in flight; each agent \
            stops the step's whole process group (SIGTERM, then SIGKILL after its --kill-grace-ms) and \
            reports the attempt cancelled, with the pids it signalled as evidence. No new step starts and \
            the run ends aborted. With --rollback, the rollbacks of the verified steps run first (newest \
            first, as on_failure: rollback does), then the run ends aborted (failed if a rollback fails). \
            An aborted run can be continued later with `baton run retry`.

            Examples:
              baton run abort run-20261129-101500-0a1b2c3d --reason "restore is making replication lag worse"
              baton run abort RUN --reason "wrong cluster" --rollback
              baton run abort RUN --reason "stop" --format json | jq .phase
            """
    )

    @OptionGroup var options: RunControlOptions

    @Option(help: "Why (required; journaled and audited with your identity, and sent to the agents).")
    var reason: String

    @Flag(help: "Roll back the verified steps before the run ends.")
    var rollback = false

    func validate() throws {
        guard !reason.allSatisfy(\.isWhitespace) else { throw ValidationError("--reason must say why; it is empty") }
    }

    func run() async throws {
        try await options.send("abort", AbortRunRequest(reason: reason, rollback: rollback), done: "aborted")
    }
}

/// `baton run pause RUN [--reason TEXT]` and `baton run resume RUN [--reason TEXT]`: the run, and why.
struct PauseResumeOptions: ParsableArguments {
    @OptionGroup var options: RunControlOptions

    @Option(help: "Why (optional; journaled and audited).")
    var reason: String?

    func send(_ path: String, done: String) async throws {
        try await options.send(path, PauseRunRequest(reason: reason), done: done)
    }
}

struct RunPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a running run: no new step starts until it is resumed.",
        discussion: """
            Steps already in flight finish and are gated as usual (their retries are scheduled, a failure \
            fails the run); only new dispatch stops. `baton run resume` continues the run.

            Examples:
              baton run pause run-20261129-101500-0a1b2c3d --reason "waiting for the DBA"
              baton run resume run-20261129-101500-0a1b2c3d
            """
    )

    @OptionGroup var options: PauseResumeOptions

    func run() async throws { try await options.send("pause", done: "paused") }
}

struct RunResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused run: steps whose gate is open start again.",
        discussion: """
            Example:
              baton run resume run-20261129-101500-0a1b2c3d --reason "DBA is on the bridge"
            """
    )

    @OptionGroup var options: PauseResumeOptions

    func run() async throws { try await options.send("resume", done: "resumed") }
}

/// `baton run retry RUN [--step ID] [--failed-targets]`
struct RunRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run failed, unknown or cancelled steps of a run again, in the same run.",
        discussion: """
            The run keeps its id and its plan (the plan hash is unchanged); each retried step runs as a new \
            attempt number, verified steps are not run again, and the steps after it follow as usual. A \
            failed, blocked or aborted run is running again. Without --step, every failed (other than \
            under on_failure: continue), unknown or cancelled step is retried. For a fanned-out step \
            (targets:), every host runs again, or only the hosts that failed with --failed-targets. \
            Retrying a step that requires an approval needs the approver role. A run whose verified steps \
            were rolled back cannot be retried; start a new run.

            Examples:
              baton run retry run-20261129-101500-0a1b2c3d
              baton run retry RUN --step restart-cache --reason "flag file restored"
              baton run retry RUN --step restart-web --failed-targets
            """
    )

    @OptionGroup var options: RunControlOptions

    @Option(help: ArgumentHelp("The plan step to run again (default: every failed, unknown or cancelled step).", valueName: "id"))
    var step: String?

    @Flag(help: "For a fanned-out step, run again only on the hosts that failed, are unknown or were cancelled.")
    var failedTargets = false

    @Option(help: "Why (optional; journaled and audited).")
    var reason: String?

    func validate() throws {
        if let step, step.allSatisfy(\.isWhitespace) { throw ValidationError("--step is empty; leave it out to retry every failed step") }
    }

    func run() async throws {
        let body = RetryRunRequest(step: step, failedTargets: failedTargets ? true : nil, reason: reason)
        try await options.send("retry", body, done: "retrying")
    }
}
