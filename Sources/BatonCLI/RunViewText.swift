import BatonAPI
import BatonModel
import Foundation

/// A run as text for people: the header, the step table, failure details and tier progress.
enum RunViewText {
    static func render(_ run: RunView, now: Int64 = TimeText.nowMilliseconds()) -> [String] {
        header(run, now: now) + [""] + stepTable(run, now: now) + failures(run)
    }

    static func header(_ run: RunView, now: Int64) -> [String] {
        let end = run.finishedAt ?? now
        let elapsed = TimeText.duration(end - run.startedAt) + (run.finishedAt == nil ? " so far" : "")
        let phase = Console.styled(run.phase, style(phase: run.phase))
        let rows: [(String, String)] = [
            ("run", Console.styled(run.runID, .bold)),
            ("playbook", "\(run.playbook)@\(run.playbookVersion)"),
            ("incident", run.incident),
            ("phase", run.reason.isEmpty ? phase : "\(phase) (\(run.reason))"),
            ("started by", run.startedBy),
            ("started at", TimeText.clock(run.startedAt)),
            ("duration", elapsed),
        ] + (run.automated == false ? [("automated", Console.styled("no: an operator overrode a step", .yellow))] : [])
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
    }

    static func stepTable(_ run: RunView, now: Int64) -> [String] {
        var table = TextTable(["STEP", "TIER", "STATUS", "ATTEMPT", "AGENT", "DURATION", "REASON"])
        table.style = { column, text in column == 2 ? style(status: text) : nil }
        for step in run.steps {
            table.add([
                step.id, step.tier, step.status, step.attempt > 0 ? "\(step.attempt)" : "-", step.agent ?? "-",
                duration(step, now: now), detail(step),
            ])
        }
        return table.render()
    }

    /// For each failed, unknown or cancelled step: the evidence and the tail of stderr.
    static func failures(_ run: RunView) -> [String] {
        var lines: [String] = []
        for step in run.steps where ["failed", "unknown", "cancelled"].contains(step.status) {
            var title = "\(step.status) step \(Console.styled(step.id, .bold)) (attempt \(step.attempt)"
            if let exitCode = step.exitCode { title += ", exit code \(exitCode)" }
            title += ")"
            if let reason = step.reason, !reason.isEmpty { title += ": \(reason)" }
            lines += ["", title]
            if !step.evidence.isEmpty {
                lines.append("  evidence:")
                var table = TextTable(["PHASE", "PROBE", "EXPECTED", "OBSERVED", "RESULT"])
                table.style = { column, text in column == 4 ? (text == "pass" ? .green : .red) : nil }
                for evidence in step.evidence {
                    table.add([
                        evidence.phase.rawValue, evidence.probe, evidence.expected, evidence.observed,
                        evidence.passed ? "pass" : "FAIL",
                    ])
                }
                lines += table.render().map { "    " + $0 }
            }
            let stderr = tail(step.stderrTail, lines: 5)
            if !stderr.isEmpty {
                lines.append("  stderr (last \(stderr.count) line\(stderr.count == 1 ? "" : "s")):")
                lines += stderr.map { "    " + Console.styled($0, .dim) }
            }
        }
        return lines
    }

    /// `platform 0/1 · database 1/1 · application 1/2 verified`, with failures added when there are any.
    static func progress(_ run: RunView) -> String {
        let tiers = Tier.allCases.map(\.rawValue) + Set(run.steps.map(\.tier)).subtracting(Tier.allCases.map(\.rawValue)).sorted()
        var parts: [String] = []
        for tier in tiers {
            let steps = run.steps.filter { $0.tier == tier }
            guard !steps.isEmpty else { continue }
            parts.append("\(tier) \(steps.filter { $0.status == "verified" }.count)/\(steps.count)")
        }
        var line = parts.joined(separator: " · ") + " verified"
        let failed = run.steps.filter { $0.status == "failed" }.count
        if failed > 0 { line += ", " + Console.styled("\(failed) failed", .red) }
        let active = run.steps.filter { ["dispatched", "retrying"].contains($0.status) }.map(\.id)
        if !active.isEmpty { line += " (running: \(active.joined(separator: ", ")))" }
        return line
    }

    static func style(phase: String) -> Console.Style? {
        switch phase {
        case "succeeded": return .green
        case "failed", "aborted": return .red
        case "running", "rolling-back": return .cyan
        case "rolled-back": return .magenta
        default: return .yellow
        }
    }

    static func style(status: String) -> Console.Style? {
        switch status {
        case "verified": return .green
        case "failed": return .red
        case "unknown", "retrying", "awaiting-operator", "awaiting-approval", "overridden": return .yellow
        case "denied", "cancelled": return .red
        case "dispatched": return .cyan
        case "skipped": return .dim
        default: return nil
        }
    }

    /// The reason column: failure reason, why it waits or was skipped, who completed a manual step.
    private static func detail(_ step: StepView) -> String {
        if let by = step.completedBy { return "completed by \(by): \(step.note ?? "")" }
        if step.status == "awaiting-operator" { return "manual: \(step.instructions ?? "")" }
        if let governance = step.governance, let text = governanceDetail(step.status, governance) { return text }
        // Why it was skipped, or how a fanned-out step concluded (neither has a report of its own).
        if let note = step.note, step.reason == nil { return note }
        var text = step.reason ?? step.waitingReason ?? ""
        if let outputs = step.outputs, step.status == "verified" {
            text = outputs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        return text
    }

    /// Approvals awaited (with the votes so far), or why the step was denied.
    private static func governanceDetail(_ status: String, _ governance: StepGovernanceView) -> String? {
        let votes = governance.votes.map { "\($0.decision == "approve" ? "approved" : "denied") by \($0.approver)\($0.counts ? "" : " (void)")" }
        switch status {
        case "awaiting-approval":
            return (["needs " + governance.requirements.joined(separator: "; ")] + votes).joined(separator: "; ")
        case "denied":
            return governance.violations.joined(separator: "; ")
        default:
            return nil
        }
    }

    private static func duration(_ step: StepView, now: Int64) -> String {
        guard let start = step.dispatchedAt else { return "-" }
        if let end = step.finishedAt { return TimeText.duration(end - start) }
        return TimeText.duration(now - start) + "+"
    }

    private static func tail(_ text: String?, lines count: Int) -> [String] {
        guard let text else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        return Array(lines.suffix(count))
    }
}
