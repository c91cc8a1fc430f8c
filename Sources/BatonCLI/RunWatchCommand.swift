import ArgumentParser
import BatonAPI

/// `baton run watch RUN`
struct RunWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow a run as it happens, until it finishes.",
        discussion: """
            Prints each new journal entry as `HH:MM:SS.mmm  step  summary` (local time), and a \
            per-tier progress line whenever step statuses change, e.g.
              -- platform 0/1 · database 1/1 · application 1/2 verified
            When the run is no longer running, prints the final step table (as `baton run status`) \
            and exits 0 if the run succeeded, 1 if it failed, 3 if it is blocked waiting for an operator. Watching a finished run prints its \
            whole journal and the table at once.

            Examples:
              baton run watch r-000001-3f2a
              baton run watch r-000001-3f2a --interval-ms 1000 --pki ./baton-pki --operator alice
            """
    )

    @Argument(help: ArgumentHelp("The run id (printed by `baton run start`).", valueName: "run"))
    var runID: String

    @Option(name: .customLong("interval-ms"), help: "How often to poll the coordinator, in milliseconds.")
    var intervalMilliseconds = 300

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func validate() throws {
        guard intervalMilliseconds >= 50 else { throw ValidationError("--interval-ms must be at least 50") }
    }

    func run() async throws {
        let (runID, interval) = (runID, intervalMilliseconds)
        let finished = try await CoordinatorClient.with(connection) { client in
            try await RunFollower.follow(runID, client: client, intervalMilliseconds: interval)
        }
        let exit = RunFollower.exitCode(for: finished)
        if exit != .success { throw exit }
    }
}
