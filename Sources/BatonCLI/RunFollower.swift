import ArgumentParser
import BatonAPI
import Foundation

/// Follows a run until it finishes: the shared core of `baton run watch` and `baton run start --wait`.
enum RunFollower {
    /// How many journal entries to ask for at a time.
    static let pageSize = 500

    /// Polls the run and its journal every `intervalMilliseconds`. When `printing`, each new journal
    /// entry is printed as `HH:MM:SS.mmm  step  summary`, a per-tier progress line whenever the step
    /// statuses change, and the final step table when the run ends. Returns the finished run.
    static func follow(
        _ runID: String, client: CoordinatorClient, intervalMilliseconds: Int, printing: Bool = true
    ) async throws -> RunView {
        let runPath = "/v1/runs/\(CoordinatorClient.segment(runID))"
        var after: Int64 = 0
        var lastStatuses: [String]?
        /// Manual steps whose instructions were already printed.
        var hinted = Set<String>()
        while true {
            // The run first, then the journal: once the run is seen finished, the journal read after
            // it holds every entry up to the end.
            let run: RunView = try await client.get(runPath)
            let width = max(4, run.steps.map(\.id.count).max() ?? 0)
            while true {
                let page: JournalPage = try await client.get("\(runPath)/journal?after=\(after)&limit=\(pageSize)")
                for entry in page.entries where entry.sequence > after {
                    after = entry.sequence
                    if printing { Console.out(line(entry, stepWidth: width)) }
                }
                if page.entries.count < pageSize { break }
            }
            let statuses = run.steps.map(\.status)
            if printing, statuses != lastStatuses, !run.steps.isEmpty {
                Console.out(Console.styled("-- " + RunViewText.progress(run), .dim))
            }
            if printing {
                for step in run.steps where step.status == "awaiting-operator" && hinted.insert(step.id).inserted {
                    Console.out(
                        "step \(step.id) waits for an operator: \(step.instructions ?? "")\n  when done: baton run complete-step \(run.runID) \(step.id) --evidence TEXT")
                }
            }
            lastStatuses = statuses
            if run.isFinished {
                if printing {
                    Console.out()
                    RunViewText.render(run).forEach { Console.out($0) }
                }
                return run
            }
            try await Task.sleep(for: .milliseconds(intervalMilliseconds))
        }
    }

    /// `HH:MM:SS.mmm  step-id  summary`; run-level entries show `-` for the step.
    static func line(_ entry: JournalEntryView, stepWidth: Int) -> String {
        let step = (entry.stepID ?? "-").padding(toLength: max(stepWidth, entry.stepID?.count ?? 1), withPad: " ", startingAt: 0)
        return "\(Console.styled(TimeText.clock(entry.at), .dim))  \(Console.styled(step, .bold))  \(entry.summary)"
    }

    /// 0 when the run succeeded, 3 when it is blocked waiting for an operator, 1 otherwise (failed, rolled back).
    static func exitCode(for run: RunView) -> ExitCode {
        switch run.phase {
        case "succeeded": return .success
        case "blocked": return ExitCode(3)
        default: return ExitCode(1)
        }
    }
}
