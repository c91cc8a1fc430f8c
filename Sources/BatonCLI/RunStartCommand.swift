import ArgumentParser
import BatonAPI
import BatonSpec
import Foundation

/// `baton run start FILE|NAME@VERSION --incident ID`
struct RunStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a run of a catalog version or a playbook file for an incident.",
        discussion: """
            NAME@VERSION (when no file has that name) starts a published catalog version: the coordinator \
            plans the stored version; a deprecated one starts with a warning on stderr naming its \
            replacement; drafts and retired versions are refused. A file is only accepted by a coordinator \
            in dev mode (batond --dev-mode); otherwise push it with `baton catalog push`.

            A file is linted and planned locally first: on any error the diagnostics are printed, \
            nothing is sent and the exit status is 1. Otherwise the playbook text is sent to the \
            coordinator, which plans it again, records the run and starts dispatching steps to agents.

            Without --wait the run id is printed (text) or the StartRunResponse (json). With --wait the \
            run is followed like `baton run watch` and the exit status is 0 when it succeeded, 3 when it is blocked for an operator, 1 when \
            it failed; with --wait and --format json only the final run (RunView JSON) is printed.

            Examples:
              baton run start cache-tier-recovery@2 --incident INC-42
              baton run start cache.yaml --incident INC-42
              baton run start cache.yaml --incident INC-42 --param workdir=/srv/demo --wait
              RUN=$(baton run start cache.yaml --incident INC-42) && baton run watch "$RUN"
            """
    )

    @Argument(help: ArgumentHelp("The playbook file, or NAME@VERSION from the catalog.", valueName: "file|name@version"))
    var file: String

    @Option(help: ArgumentHelp("The incident this run responds to (e.g. INC-42).", valueName: "id"))
    var incident: String

    @OptionGroup var parameters: ParameterOptions

    @OptionGroup var modules: ModuleOptions

    @Flag(help: "Follow the run until it finishes; exit 0 if it succeeded, 1 if it failed, 3 if blocked.")
    var wait = false

    @Option(name: .customLong("interval-ms"), help: "With --wait: how often to poll, in milliseconds.")
    var intervalMilliseconds = 300

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func validate() throws {
        guard !incident.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--incident must not be empty")
        }
        guard intervalMilliseconds >= 50 else { throw ValidationError("--interval-ms must be at least 50") }
    }

    func run() async throws {
        let values = try parameters.values()
        var request = StartRunRequest(playbook: "", fileName: "", incident: incident, parameters: values)
        if let reference = catalogReference {
            request.catalog = reference.description
        } else {
            let (_, source, moduleSources) = try PlaybookInput.plan(file, parameters: values, modules: modules, format: format)
            request.playbook = source
            request.fileName = file
            request.modules = moduleSources.map { ModuleFile(file: $0.file, text: $0.text) }
        }
        let (wait, format, interval) = (wait, format, intervalMilliseconds)
        let finished: RunView? = try await CoordinatorClient.with(connection) { client in
            let started: StartRunResponse = try await client.post("/v1/runs", request)
            if let warning = started.warning { Console.err(Console.styled("Warning:", .yellow, on: .err) + " " + warning) }
            switch (format, wait) {
            case (.json, false): try Console.printJSON(started)
            case (.json, true): break
            case (.text, _): Console.out(started.runID)
            }
            guard wait else { return nil }
            return try await RunFollower.follow(
                started.runID, client: client, intervalMilliseconds: interval, printing: format == .text)
        }
        guard let finished else { return }
        if format == .json { try Console.printJSON(finished) }
        let exit = RunFollower.exitCode(for: finished)
        if exit != .success { throw exit }
    }
}

extension RunStartCommand {
    /// The catalog version to start: the argument when it is `NAME@VERSION` and no such file exists.
    var catalogReference: CatalogReference? {
        guard file != "-", !FileManager.default.fileExists(atPath: file) else { return nil }
        return CatalogReference(argument: file)
    }
}
