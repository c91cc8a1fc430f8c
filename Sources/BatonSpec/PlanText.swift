import Foundation
import BatonModel

/// A plan as text for people: what will run, where, in which order, and what is checked.
public enum PlanText {
    /// Steps grouped in waves: the first wave needs nothing, each later wave only needs earlier waves.
    /// Steps keep their plan order inside a wave.
    public static func waves(_ plan: Plan) -> [[PlannedStep]] {
        let needs = Dictionary(plan.steps.map { ($0.id, $0.needs) }, uniquingKeysWith: { first, _ in first })
        return StepGraph.waves(plan.steps.map(\.id), needs: needs).map { wave in wave.compactMap { plan.step($0) } }
    }

    public static func render(_ plan: Plan) -> String {
        var lines: [String] = []
        lines.append("plan \(plan.playbookName) (version \(plan.playbookVersion))")
        lines.append("hash: \(plan.hash)")
        if plan.parameters.isEmpty {
            lines.append("parameters: none")
        } else {
            lines.append("parameters:")
            for name in plan.parameters.keys.sorted() { lines.append("  \(name) = \(quoted(plan.parameters[name]!))") }
        }
        if !plan.owners.isEmpty {
            let owners = plan.owners.keys.sorted().map { "\($0): \(plan.owners[$0]!)" }
            lines.append("owners: \(owners.joined(separator: ", "))")
        }
        let waves = waves(plan)
        lines.append("steps: \(plan.steps.count) in \(waves.count) wave\(waves.count == 1 ? "" : "s")")
        for (number, wave) in waves.enumerated() {
            lines.append("")
            lines.append("wave \(number + 1):")
            for step in wave { lines += describe(step) }
        }
        if !plan.rollbackSteps.isEmpty {
            lines.append("")
            lines.append("rollback steps (run newest-verified first under on_failure: rollback):")
            for step in plan.rollbackSteps { lines += describe(step) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func describe(_ step: PlannedStep) -> [String] {
        var lines = ["  \(step.id) [\(step.tier)]"]
        if let module = step.module { lines.append("    module: \(module)") }
        if !step.tags.isEmpty { lines.append("    tags: \(step.tags.joined(separator: ", "))") }
        if !step.needs.isEmpty { lines.append("    needs: \(step.needs.map(\.rawValue).joined(separator: ", "))") }
        if let when = step.when { lines.append("    when: \(when)") }
        if let targets = step.targets { lines.append("    targets: \(describe(targets))") }
        if let approval = step.approval {
            lines.append(
                "    approval: \(approval.quorum) of \(approval.roles.joined(separator: "/")) within "
                    + "\(PlaybookDuration.format(milliseconds: approval.timeoutMilliseconds)), else \(approval.onTimeout.rawValue)")
        }
        for probe in step.pre { lines.append("    pre:  \(describe(probe))") }
        if let instructions = step.manualInstructions {
            lines.append("    manual: \(instructions)")
        } else if let action = step.action {
            lines.append("    run:  \(action.argv.map(quoted).joined(separator: " "))")
            for name in action.env.keys.sorted() { lines.append("    env:  \(name)=\(quoted(action.env[name]!))") }
        } else {
            lines.append("    run:  (nothing; checks only)")
        }
        for probe in step.post { lines.append("    post: \(describe(probe))") }
        for output in step.outputs { lines.append("    output: \(describe(output))") }
        var limits = "    timeout \(PlaybookDuration.format(milliseconds: step.timeoutMilliseconds))"
        limits += ", retries \(step.retries)"
        if step.retries > 0, step.retry != RetryPolicy(count: step.retries) {
            limits += " (backoff \(PlaybookDuration.format(milliseconds: step.retry.backoffMilliseconds))"
            limits += " up to \(PlaybookDuration.format(milliseconds: step.retry.maximumBackoffMilliseconds)), on "
            limits += FailureKind.allCases.filter(step.retry.on.contains).map(\.rawValue).joined(separator: ", ") + ")"
        }
        if step.idempotent { limits += ", idempotent" }
        if step.onFailure != .stop { limits += ", on failure \(step.onFailure.rawValue)" }
        lines.append(limits)
        switch step.rollback {
        case .undeclared: break
        case .none: lines.append("    rollback: none")
        case .step: lines.append("    rollback: \(StepID.rollback(of: step.id))")
        }
        return lines
    }

    private static func describe(_ targets: Targets) -> String {
        var parts = targets.labels.isEmpty
            ? ["every agent of the tier"] : targets.labels.keys.sorted().map { "\($0)=\(quoted(targets.labels[$0]!))" }
        if let serial = targets.serial { parts.append("serial \(serial)") }
        if let maxErrors = targets.maxErrors { parts.append("max_errors \(maxErrors)") }
        return parts.joined(separator: ", ")
    }

    private static func describe(_ output: OutputSpec) -> String {
        switch output.source {
        case .stdout(let key): return "\(output.name) (\(output.type.rawValue)) from stdout key \(quoted(key))"
        case .probe(let phase, let index): return "\(output.name) (\(output.type.rawValue)) from \(phase.rawValue).\(index)"
        }
    }

    /// A probe with what it expects (`file /x/app.state exists, contains "drained"`).
    static func describe(_ probe: Probe) -> String {
        switch probe {
        case .command(let command):
            var text = "command \(command.argv.map(quoted).joined(separator: " ")) exits \(command.exitCode)"
            if let contains = command.stdoutContains { text += ", stdout contains \(quotedAlways(contains))" }
            if let matches = command.stdoutMatches { text += ", stdout matches \(quotedAlways(matches))" }
            if let equals = command.stdoutEquals { text += ", stdout equals \(quotedAlways(equals))" }
            if let stderr = command.stderrContains { text += ", stderr contains \(quotedAlways(stderr))" }
            if let json = command.json { text += ", json \(json.path) equals \(quotedAlways(json.equals))" }
            if !command.env.isEmpty {
                text += ", env " + command.env.keys.sorted().map { "\($0)=\(quoted(command.env[$0]!))" }.joined(separator: " ")
            }
            return text + " (timeout \(PlaybookDuration.format(milliseconds: command.timeoutMilliseconds)))" + retryText(probe)
        case .file(let file):
            var text = "file \(quoted(file.path)) \(file.exists ? "exists" : "is absent")"
            if let contains = file.contains { text += ", contains \(quotedAlways(contains))" }
            if let mode = file.mode { text += ", mode 0\(String(mode, radix: 8))" }
            if let owner = file.owner { text += ", owner \(quoted(owner))" }
            if let age = file.maxAgeMilliseconds { text += ", modified within \(PlaybookDuration.format(milliseconds: age))" }
            return text + retryText(probe)
        case .tcp(let tcp):
            return "tcp \(tcp.host):\(tcp.port) is \(tcp.state.rawValue) (timeout \(PlaybookDuration.format(milliseconds: tcp.timeoutMilliseconds)))"
                + retryText(probe)
        case .http(let http):
            var text = "http GET \(http.url) returns \(http.status)"
            if let body = http.bodyContains { text += ", body contains \(quotedAlways(body))" }
            if let json = http.json { text += ", json \(json.path) equals \(quotedAlways(json.equals))" }
            if let caFile = http.caFile { text += ", CA \(quoted(caFile))" }
            return text + " (timeout \(PlaybookDuration.format(milliseconds: http.timeoutMilliseconds)))" + retryText(probe)
        case .process(let process):
            let target: String
            switch process.target {
            case .name(let name): target = "named \(quoted(name))"
            case .pidfile(let path): target = "from pidfile \(quoted(path))"
            }
            return "process \(target) is \(process.running ? "running" : "not running")" + retryText(probe)
        }
    }

    private static func retryText(_ probe: Probe) -> String {
        guard let retry = probe.retry else { return "" }
        return ", retried every \(PlaybookDuration.format(milliseconds: retry.intervalMilliseconds))"
            + " for up to \(PlaybookDuration.format(milliseconds: retry.forMilliseconds))"
    }

    /// `word` as is when it needs no quoting, else in single quotes as a POSIX shell would read it.
    /// For display only: Baton never passes argv through a shell.
    static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy {
            $0.isASCIILetter || $0.isASCIIDigit || "-_./=:,+@%".unicodeScalars.contains($0)
        }
        return plain ? word : quotedAlways(word)
    }

    private static func quotedAlways(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
