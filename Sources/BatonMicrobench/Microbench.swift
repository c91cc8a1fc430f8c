import BatonModel
import BatonProto
import BatonSpec
import BatonWire
import CoordinatorCore
import Foundation
import SwiftProtobuf

#if canImport(Glibc)
import Glibc
#endif

/// `baton-microbench`: Baton's hot paths, each repeated many times with `ContinuousClock`.
///
/// Every benchmark takes `samples` samples; a sample times `iterations` back-to-back calls and
/// yields ns per operation. Printed: the median, min and max of the samples.
///
///   baton-microbench            20 samples each
///   baton-microbench --quick    7 samples each
///   baton-microbench --filter envelope
@main
struct Microbench {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        if arguments.contains("--help") || arguments.contains("-h") {
            print("usage: baton-microbench [--quick] [--filter SUBSTRING] [--format text|tsv]")
            return
        }
        let quick = arguments.contains("--quick")
        var filter: String?
        var tsv = false
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--filter" { filter = iterator.next() }
            if argument == "--format" { tsv = iterator.next() == "tsv" }
        }
        let bench = Bench(samples: quick ? 7 : 20, filter: filter, tsv: tsv)
        bench.header()
        try Benchmarks.envelopes(bench)
        try Benchmarks.scheduler(bench)
        try Benchmarks.playbook(bench)
        Benchmarks.journalEncoding(bench)
        Benchmarks.spawn(bench)
        bench.footer()
    }
}

/// Keeps results alive so the optimizer cannot drop the work being measured.
nonisolated(unsafe) var blackHole = 0

final class Bench {
    let samples: Int
    let filter: String?
    let tsv: Bool
    private let clock = ContinuousClock()

    init(samples: Int, filter: String?, tsv: Bool) {
        self.samples = samples
        self.filter = filter
        self.tsv = tsv
    }

    func header() {
        if tsv {
            print("benchmark\tmedian_ns\tmin_ns\tmax_ns\titerations\tsamples")
        } else {
            print(pad("benchmark", 58) + pad("median ns/op", 14, right: true) + pad("min", 14, right: true)
                + pad("max", 14, right: true) + pad("iter x samples", 18, right: true))
        }
    }

    func footer() {
        if !tsv { print("(blackhole \(blackHole & 0xff))") }
    }

    /// Times `body` (`iterations` calls per sample, after one warm-up sample).
    /// `perCall` is how many operations one call performs (ns/op = time / (iterations × perCall)).
    func measure(_ name: String, iterations: Int, perCall: Int = 1, _ body: () throws -> Void) rethrows {
        if let filter, !name.contains(filter) { return }
        for _ in 0..<max(1, iterations / 10) { try body() }
        var results: [Double] = []
        for _ in 0..<samples {
            let start = clock.now
            for _ in 0..<iterations { try body() }
            let elapsed = clock.now - start
            let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            results.append(ns / Double(iterations * perCall))
        }
        results.sort()
        let median = results[results.count / 2]
        report(name, median: median, min: results.first!, max: results.last!, iterations: iterations)
    }

    func report(_ name: String, median: Double, min: Double, max: Double, iterations: Int) {
        if tsv {
            print("\(name)\t\(format(median))\t\(format(min))\t\(format(max))\t\(iterations)\t\(samples)")
        } else {
            print(pad(name, 58) + pad(format(median), 14, right: true) + pad(format(min), 14, right: true)
                + pad(format(max), 14, right: true) + pad("\(iterations) x \(samples)", 18, right: true))
        }
    }

    private func format(_ ns: Double) -> String { ns >= 100 ? String(Int(ns.rounded())) : String(format: "%.1f", ns) }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text + " " }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }
}

enum Fixtures {
    static let tiers: [Tier] = [.application, .database, .platform]
    static let agents = tiers.map { AgentIdentity(tier: $0, name: "\($0.rawValue)-1") }

    static func instant(_ ms: Int64) -> Instant { Instant(millisecondsSinceEpoch: 1_700_000_000_000 + ms) }

    /// A chain of `count` steps cycling application → database → platform, each `run: [true]`
    /// with one `command` postcondition running `true`.
    static func chainPlan(steps count: Int, name: String = "bench-chain") -> Plan {
        let steps = (1...count).map { index in
            PlannedStep(
                id: StepID("step-\(index)"), tier: tiers[(index - 1) % 3],
                needs: index == 1 ? [] : [StepID("step-\(index - 1)")], action: Action(argv: ["true"]),
                post: [.command(CommandProbe(argv: ["true"], exitCode: 0))])
        }
        return Plan(playbookName: name, playbookVersion: "1", parameters: [:], steps: steps, hash: "bench")
    }

    static func assignment() -> Assignment {
        Assignment(
            runID: RunID("run-20250101-000000-0badcafe"), stepID: StepID("step-17"), attempt: 1, epoch: 3, pre: [],
            action: Action(argv: ["true"]), post: [.command(CommandProbe(argv: ["true"], exitCode: 0))],
            timeoutMilliseconds: Plan.defaultStepTimeoutMilliseconds)
    }

    static func report(for assignment: Assignment, at ms: Int64 = 0) -> StepReport {
        let probe = assignment.post.first ?? .command(CommandProbe(argv: ["true"], exitCode: 0))
        return StepReport(
            runID: assignment.runID, stepID: assignment.stepID, attempt: assignment.attempt, outcome: .verified,
            exitCode: 0,
            evidence: [
                Evidence(
                    phase: .post, probe: probe.description, expected: "exit code 0", observed: "exit code 0",
                    passed: true, at: instant(ms))
            ], startedAt: instant(ms), finishedAt: instant(ms))
    }

    /// A playbook of `count` steps in YAML: cycling tiers, each needing the previous one (and every
    /// tenth also the one ten before), with parameters, env and two probes.
    static func playbookYAML(steps count: Int) -> String {
        var lines = [
            "apiVersion: baton/v1", "kind: Playbook", "metadata: {name: bench-parse, version: 1}", "params:",
            "  workdir: {type: string, default: /tmp/baton-bench}", "steps:",
        ]
        for index in 1...count {
            lines.append("  - id: step-\(index)")
            lines.append("    tier: \(tiers[(index - 1) % 3].rawValue)")
            var needs: [String] = []
            if index > 1 { needs.append("step-\(index - 1)") }
            if index > 10, index % 10 == 0 { needs.append("step-\(index - 10)") }
            if !needs.isEmpty { lines.append("    needs: [\(needs.joined(separator: ", "))]") }
            lines.append("    run: [sh, -c, 'echo ok > \"$WORKDIR/\(index).state\"']")
            lines.append("    env: {WORKDIR: \"${{ params.workdir }}\"}")
            lines.append("    post:")
            lines.append("      - command: {run: [\"true\"]}")
            lines.append("      - file: {path: \"${{ params.workdir }}/\(index).state\", contains: ok}")
            lines.append("    timeout: 30s")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

enum Benchmarks {
    static func envelopes(_ bench: Bench) throws {
        let assignment = Fixtures.assignment()
        var assignmentEnvelope = Baton_V1_Envelope()
        assignmentEnvelope.messageID = 42
        assignmentEnvelope.assignment = Baton_V1_Assignment(assignment)
        var reportEnvelope = Baton_V1_Envelope()
        reportEnvelope.messageID = 43
        reportEnvelope.report = Baton_V1_Report(Fixtures.report(for: assignment))
        let assignmentBytes: [UInt8] = try assignmentEnvelope.serializedBytes()
        let reportBytes: [UInt8] = try reportEnvelope.serializedBytes()
        print("# envelope sizes: assignment \(assignmentBytes.count) B, report \(reportBytes.count) B (+4 B frame header each)")

        try bench.measure("envelope encode (Assignment, serializedBytes)", iterations: 20_000) {
            let bytes: [UInt8] = try assignmentEnvelope.serializedBytes()
            blackHole &+= bytes.count
        }
        try bench.measure("envelope decode (Assignment, init(serializedBytes:))", iterations: 20_000) {
            let envelope = try Baton_V1_Envelope(serializedBytes: assignmentBytes)
            blackHole &+= Int(envelope.messageID)
        }
        try bench.measure("envelope encode (Report, serializedBytes)", iterations: 20_000) {
            let bytes: [UInt8] = try reportEnvelope.serializedBytes()
            blackHole &+= bytes.count
        }
        try bench.measure("envelope decode (Report, init(serializedBytes:))", iterations: 20_000) {
            let envelope = try Baton_V1_Envelope(serializedBytes: reportBytes)
            blackHole &+= Int(envelope.messageID)
        }
        try bench.measure("report decode + proto->model (as batond does)", iterations: 20_000) {
            let envelope = try Baton_V1_Envelope(serializedBytes: reportBytes)
            if case .report(let report)? = envelope.body { blackHole &+= try report.model().attempt }
        }
    }

    /// A core with the three agents connected and one run of `plan` started (its first step dispatched).
    static func startedCore(_ plans: [Plan]) -> (CoordinatorCore, [RunID]) {
        var core = CoordinatorCore(epoch: 1)
        for agent in Fixtures.agents { _ = core.handle(.agentConnected(agent, now: Fixtures.instant(0))) }
        var ids: [RunID] = []
        for (index, plan) in plans.enumerated() {
            let runID = RunID("run-bench-\(index)")
            _ = core.handle(.runRequested(runID, incident: "INC-BENCH", plan: plan, startedBy: "bench", now: Fixtures.instant(1)))
            ids.append(runID)
        }
        return (core, ids)
    }

    /// Feeds verified reports for every dispatched attempt until all runs finish. Returns reports handled.
    @discardableResult
    static func drive(_ core: inout CoordinatorCore, pending: [CoordinatorCore.Effect]) -> Int {
        var queue = pending.compactMap { effect -> (AgentIdentity, Assignment)? in
            if case .assign(let agent, let assignment) = effect { return (agent, assignment) }
            return nil
        }
        var handled = 0
        var clock: Int64 = 2
        while !queue.isEmpty {
            let (agent, assignment) = queue.removeFirst()
            clock += 1
            let effects = core.handle(
                .reportReceived(Fixtures.report(for: assignment, at: clock), from: agent, now: Fixtures.instant(clock)))
            handled += 1
            for effect in effects {
                if case .assign(let next, let nextAssignment) = effect { queue.append((next, nextAssignment)) }
            }
        }
        return handled
    }

    static func scheduler(_ bench: Bench) throws {
        // One 30-step run: the template is copied, then driven to completion by 30 reports.
        var startEffects: [CoordinatorCore.Effect] = []
        var template = CoordinatorCore(epoch: 1)
        for agent in Fixtures.agents { _ = template.handle(.agentConnected(agent, now: Fixtures.instant(0))) }
        startEffects = template.handle(
            .runRequested(RunID("run-bench-0"), incident: "INC-BENCH", plan: Fixtures.chainPlan(steps: 30), startedBy: "bench",
                now: Fixtures.instant(1)))
        var check = template
        precondition(drive(&check, pending: startEffects) == 30, "the 30-step run did not take 30 reports")
        precondition(check.runs[RunID("run-bench-0")]?.phase == .succeeded, "the 30-step run did not succeed")
        bench.measure("CoordinatorCore.handle(.reportReceived), 30-step run", iterations: 200, perCall: 30) {
            var core = template
            blackHole &+= drive(&core, pending: startEffects)
        }

        // Fifty concurrent 10-step runs (workload 3's shape): 500 reports per call.
        var fifty = CoordinatorCore(epoch: 1)
        for agent in Fixtures.agents { _ = fifty.handle(.agentConnected(agent, now: Fixtures.instant(0))) }
        var fiftyEffects: [CoordinatorCore.Effect] = []
        for index in 0..<50 {
            fiftyEffects += fifty.handle(
                .runRequested(RunID("run-bench-\(index)"), incident: "INC-BENCH", plan: Fixtures.chainPlan(steps: 10),
                    startedBy: "bench", now: Fixtures.instant(1)))
        }
        var fiftyCheck = fifty
        precondition(drive(&fiftyCheck, pending: fiftyEffects) == 500, "50 x 10 steps did not take 500 reports")
        bench.measure("CoordinatorCore.handle(.reportReceived), 50 runs x 10 steps", iterations: 10, perCall: 500) {
            var core = fifty
            blackHole &+= drive(&core, pending: fiftyEffects)
        }

        // A tick (every 100 ms in batond) with 50 running runs.
        bench.measure("CoordinatorCore.handle(.tick), 50 running runs", iterations: 2_000) {
            var core = fifty
            blackHole &+= core.handle(.tick(now: Fixtures.instant(5))).count
        }
    }

    static func playbook(_ bench: Bench) throws {
        let source = Fixtures.playbookYAML(steps: 200)
        let (loaded, diagnostics) = PlaybookLoader.load(source: source, file: "bench-200.yaml")
        guard let loaded else { throw BenchError("the generated playbook does not load: \(diagnostics)") }
        guard case .success(let plan) = Planner.plan(loaded, parameters: [:]), plan.steps.count == 200 else {
            throw BenchError("the generated playbook does not plan")
        }
        bench.measure("PlaybookLoader.load + Planner.plan, 200 steps", iterations: 10) {
            let (playbook, _) = PlaybookLoader.load(source: source, file: "bench-200.yaml")
            if case .success(let plan)? = playbook.map({ Planner.plan($0, parameters: [:]) }) { blackHole &+= plan.steps.count }
        }
        bench.measure("PlaybookLoader.load only, 200 steps", iterations: 10) {
            let (playbook, _) = PlaybookLoader.load(source: source, file: "bench-200.yaml")
            blackHole &+= playbook?.steps.count ?? 0
        }
        bench.measure("Planner.plan only, 200 steps", iterations: 20) {
            if case .success(let plan) = Planner.plan(loaded, parameters: [:]) { blackHole &+= plan.steps.count }
        }
    }

    /// What batond's SQLite store does per journal record before the INSERT (JSONEncoder, sorted keys).
    static func journalEncoding(_ bench: Bench) {
        let assignment = Fixtures.assignment()
        let record = JournalRecord(
            runID: assignment.runID, at: Fixtures.instant(5),
            event: .stepReported(step: assignment.stepID, agent: Fixtures.agents[0], report: Fixtures.report(for: assignment)))
        let dispatched = JournalRecord(
            runID: assignment.runID, at: Fixtures.instant(5),
            event: .stepDispatched(step: assignment.stepID, attempt: 1, agent: Fixtures.agents[1]))
        bench.measure("journal JSON encode (step-reported + step-dispatched)", iterations: 5_000) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            blackHole &+= ((try? encoder.encode(record.event))?.count ?? 0) + ((try? encoder.encode(dispatched.event))?.count ?? 0)
        }
    }

    /// The floor under every step: spawning `true` and waiting for it (posix_spawn, as the agent does).
    static func spawn(_ bench: Bench) {
        #if canImport(Glibc)
        let path = ["/usr/bin/true", "/bin/true"].first { (candidate: String) -> Bool in access(candidate, X_OK) == 0 } ?? "/bin/true"
        bench.measure("posix_spawn + waitpid of true", iterations: 100) {
            var pid: pid_t = 0
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
            defer { for pointer in argv { free(pointer) } }
            if posix_spawn(&pid, path, nil, nil, argv, environ) == 0 {
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                blackHole &+= Int(status)
            }
        }
        #endif
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
