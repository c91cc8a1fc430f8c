import ArgumentParser
import BatonAPI

/// What `approve` and `deny` share: the step, the reason and the plan the operator reviewed.
struct DecisionOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The run id.", valueName: "run"))
    var runID: String

    @Argument(help: ArgumentHelp("The step awaiting approval.", valueName: "step"))
    var stepID: String

    @Option(help: "Why (required; journaled and audited with your identity).")
    var reason: String

    @Option(
        help: ArgumentHelp(
            "The plan hash you reviewed (default: the run's, as shown before deciding). A decision bound to another plan does not count.",
            valueName: "hash"))
    var planHash: String?

    @Option(
        name: .customLong("param"),
        help: ArgumentHelp(
            "A parameter value you reviewed, NAME=VALUE (repeatable; default: the run's). Any difference voids the decision.",
            valueName: "name=value"))
    var reviewedParameters: [String] = []

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func validate() throws {
        guard !reason.allSatisfy(\.isWhitespace) else { throw ValidationError("--reason must say why; it is empty") }
        _ = try parameters(default: [:])
    }

    /// `--param` values, or the run's when none were given.
    func parameters(default runParameters: [String: String]) throws -> [String: String] {
        guard !reviewedParameters.isEmpty else { return runParameters }
        return try ParameterOptions.parse(reviewedParameters, option: "--param")
    }

    /// Shows what is being decided on, sends the decision bound to it, and prints the outcome.
    func send(_ verb: String, path: String) async throws {
        let base = "/v1/runs/\(CoordinatorClient.segment(runID))"
        let run: RunView = try await CoordinatorClient.with(connection) { client in
            let current: RunView = try await client.get(base)
            let request = DecisionRequest(
                reason: reason, planHash: planHash ?? current.planHash, parameters: try parameters(default: current.parameters))
            if format == .text {
                let shown = request.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                Console.err(
                    "\(verb) \(stepID) of \(runID): \(current.playbook)@\(current.playbookVersion), plan \(request.planHash.prefix(12))"
                        + (shown.isEmpty ? "" : ", parameters \(shown)"))
            }
            return try await client.post("\(base)/steps/\(CoordinatorClient.segment(stepID))/\(path)", request)
        }
        switch format {
        case .json: try Console.printJSON(run)
        case .text:
            let status = run.steps.first { $0.id == stepID }?.status ?? "?"
            Console.out("\(verb == "approving" ? "approved" : "denied") \(stepID) in \(runID); the step is \(status), the run \(run.phase)")
        }
    }
}

/// `baton run approve RUN STEP --reason TEXT`
struct RunApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a step that awaits approval.",
        discussion: """
            A step waits for approval when it declares `approval: {roles, quorum, timeout}` or a \
            require_approval policy rule matches it (status awaiting-approval; `baton run status` shows what \
            it needs). Each operator counts once; the operator who started the run cannot approve it; \
            your roles must include one the requirement names. The decision is bound to the plan hash and \
            parameters you reviewed: if they differ from the run's, it is refused and does not count.

            Examples:
              baton run approve run-20261129-101500-0a1b2c3d restore-db --reason "compat verified, backup checked"
              baton run approve RUN promote --reason "CAB-1182" --plan-hash 3f2a9c... --param target=db-2
            """
    )

    @OptionGroup var options: DecisionOptions

    func run() async throws { try await options.send("approving", path: "approve") }
}

/// `baton run deny RUN STEP --reason TEXT`
struct RunDenyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deny",
        abstract: "Deny a step that awaits approval: it does not run and the run is blocked.",
        discussion: """
            One denial from a qualified approver refuses the step; approvals given after it are refused. \
            The run is then blocked until an admin overrides the step (`baton run override`) or skips it.

            Example:
              baton run deny run-20261129-101500-0a1b2c3d restore-db --reason "backup is 3 days old"
            """
    )

    @OptionGroup var options: DecisionOptions

    func run() async throws { try await options.send("denying", path: "deny") }
}
