import BatonModel
import BatonProto
import SwiftProtobuf

// Conversions between the protobuf messages and Baton's model types.
// Decoding validates: a field the model cannot represent is a `WireError.malformedField`.

extension Baton_V1_Action {
    public init(_ action: Action) {
        self.init()
        argv = action.argv
        env = action.env
    }

    public func model() throws -> Action {
        guard !argv.isEmpty else { throw WireError.malformedField("action has an empty argv") }
        return Action(argv: argv, env: env)
    }
}

extension Baton_V1_JsonCheck {
    public init(_ check: JSONFieldCheck) {
        self.init()
        path = check.path
        equals = check.equals
    }

    public func model() throws -> JSONFieldCheck {
        guard !path.isEmpty else { throw WireError.malformedField("json check has an empty path") }
        return JSONFieldCheck(path: path, equals: equals)
    }
}

extension Baton_V1_Probe {
    public init(_ probe: Probe) {
        self.init()
        switch probe {
        case .command(let command):
            self.command = .with {
                $0.argv = command.argv
                $0.env = command.env
                $0.exitCode = command.exitCode
                if let contains = command.stdoutContains { $0.stdoutContains = contains }
                if let matches = command.stdoutMatches { $0.stdoutMatches = matches }
                $0.timeoutMs = UInt64(max(0, command.timeoutMilliseconds))
                if let stderr = command.stderrContains { $0.stderrContains = stderr }
                if let equals = command.stdoutEquals { $0.stdoutEquals = equals }
                if let json = command.json { $0.json = Baton_V1_JsonCheck(json) }
            }
        case .file(let file):
            self.file = .with {
                $0.path = file.path
                $0.exists = file.exists
                if let contains = file.contains { $0.contains = contains }
                if let mode = file.mode { $0.mode = mode }
                if let owner = file.owner { $0.owner = owner }
                if let maxAge = file.maxAgeMilliseconds { $0.maxAgeMs = UInt64(max(0, maxAge)) }
            }
        case .tcp(let tcp):
            self.tcp = .with {
                $0.host = tcp.host
                $0.port = UInt32(clamping: tcp.port)
                $0.expectOpen = tcp.state == .open
                $0.timeoutMs = UInt64(max(0, tcp.timeoutMilliseconds))
            }
        case .http(let http):
            self.http = .with {
                $0.url = http.url
                $0.status = UInt32(clamping: http.status)
                $0.timeoutMs = UInt64(max(0, http.timeoutMilliseconds))
                if let body = http.bodyContains { $0.bodyContains = body }
                if let json = http.json { $0.json = Baton_V1_JsonCheck(json) }
                if let caFile = http.caFile { $0.caFile = caFile }
            }
        case .process(let process):
            self.process = .with {
                switch process.target {
                case .name(let name): $0.name = name
                case .pidfile(let path): $0.pidfile = path
                }
                $0.running = process.running
            }
        }
        if let retry = probe.retry {
            retryForMs = UInt64(max(0, retry.forMilliseconds))
            retryIntervalMs = UInt64(max(0, retry.intervalMilliseconds))
        }
    }

    public func model() throws -> Probe {
        var probe = try kindModel()
        guard retryForMs > 0 else { return probe }
        let interval = retryIntervalMs > 0 ? Int64(clamping: retryIntervalMs) : ProbeRetry.defaultIntervalMilliseconds
        let retry = ProbeRetry(forMilliseconds: Int64(clamping: retryForMs), intervalMilliseconds: interval)
        switch probe {
        case .command(var command):
            command.retry = retry
            probe = .command(command)
        case .file(var file):
            file.retry = retry
            probe = .file(file)
        case .tcp(var tcp):
            tcp.retry = retry
            probe = .tcp(tcp)
        case .http(var http):
            http.retry = retry
            probe = .http(http)
        case .process(var process):
            process.retry = retry
            probe = .process(process)
        }
        return probe
    }

    private func kindModel() throws -> Probe {
        switch kind {
        case .command(let command):
            guard !command.argv.isEmpty else { throw WireError.malformedField("command probe has an empty argv") }
            return .command(
                CommandProbe(
                    argv: command.argv, env: command.env, exitCode: command.exitCode,
                    stdoutContains: command.hasStdoutContains ? command.stdoutContains : nil,
                    stdoutMatches: command.hasStdoutMatches ? command.stdoutMatches : nil,
                    timeoutMilliseconds: Int64(clamping: command.timeoutMs),
                    stderrContains: command.hasStderrContains ? command.stderrContains : nil,
                    stdoutEquals: command.hasStdoutEquals ? command.stdoutEquals : nil,
                    json: command.hasJson ? try command.json.model() : nil))
        case .file(let file):
            guard !file.path.isEmpty else { throw WireError.malformedField("file probe has an empty path") }
            if file.hasMode, file.mode > 0o7777 { throw WireError.malformedField("file probe mode \(file.mode)") }
            return .file(
                FileProbe(
                    path: file.path, exists: file.exists, contains: file.hasContains ? file.contains : nil,
                    mode: file.hasMode ? file.mode : nil, owner: file.hasOwner ? file.owner : nil,
                    maxAgeMilliseconds: file.hasMaxAgeMs ? Int64(clamping: file.maxAgeMs) : nil))
        case .tcp(let tcp):
            guard (1...65535).contains(tcp.port) else { throw WireError.malformedField("tcp probe port \(tcp.port)") }
            return .tcp(
                TCPProbe(
                    host: tcp.host, port: Int(tcp.port), state: tcp.expectOpen ? .open : .closed,
                    timeoutMilliseconds: Int64(clamping: tcp.timeoutMs)))
        case .http(let http):
            if http.hasCaFile, http.caFile.isEmpty { throw WireError.malformedField("http probe has an empty ca_file") }
            return .http(
                HTTPProbe(
                    url: http.url, status: Int(http.status), timeoutMilliseconds: Int64(clamping: http.timeoutMs),
                    bodyContains: http.hasBodyContains ? http.bodyContains : nil,
                    json: http.hasJson ? try http.json.model() : nil, caFile: http.hasCaFile ? http.caFile : nil))
        case .process(let process):
            switch process.target {
            case .name(let name) where !name.isEmpty:
                return .process(ProcessProbe(target: .name(name), running: process.running))
            case .pidfile(let path) where !path.isEmpty:
                return .process(ProcessProbe(target: .pidfile(path), running: process.running))
            default:
                throw WireError.malformedField("process probe has no name or pidfile")
            }
        case nil:
            throw WireError.malformedField("probe of no known kind")
        }
    }
}

extension Baton_V1_Assignment {
    public init(_ assignment: Assignment) {
        self.init()
        runID = assignment.runID.rawValue
        stepID = assignment.stepID.rawValue
        attempt = UInt32(clamping: assignment.attempt)
        coordinatorEpoch = assignment.epoch
        pre = assignment.pre.map(Baton_V1_Probe.init)
        if let action = assignment.action { self.action = Baton_V1_Action(action) }
        post = assignment.post.map(Baton_V1_Probe.init)
        timeoutMs = UInt64(max(0, assignment.timeoutMilliseconds))
        outputs = assignment.outputs.map(Baton_V1_OutputSpec.init)
    }

    public func model() throws -> Assignment {
        guard !runID.isEmpty, !stepID.isEmpty, attempt > 0 else {
            throw WireError.malformedField("assignment without run, step or attempt")
        }
        return Assignment(
            runID: RunID(runID), stepID: StepID(stepID), attempt: Int(attempt), epoch: coordinatorEpoch,
            pre: try pre.map { try $0.model() }, action: hasAction ? try action.model() : nil,
            post: try post.map { try $0.model() }, timeoutMilliseconds: Int64(clamping: timeoutMs),
            outputs: try outputsModel())
    }
}

extension Baton_V1_Evidence {
    public init(_ evidence: Evidence) {
        self.init()
        phase = Baton_V1_Phase(evidence.phase)
        probe = evidence.probe
        expected = evidence.expected
        observed = evidence.observed
        passed = evidence.passed
        atMs = evidence.at.millisecondsSinceEpoch
    }

    public func model() throws -> Evidence {
        guard let phase = phase.modelPhase else { throw WireError.malformedField("evidence without a phase") }
        return Evidence(
            phase: phase, probe: probe, expected: expected, observed: observed, passed: passed,
            at: Instant(millisecondsSinceEpoch: atMs))
    }
}

extension Baton_V1_Report {
    public init(_ report: StepReport) {
        self.init()
        runID = report.runID.rawValue
        stepID = report.stepID.rawValue
        attempt = UInt32(clamping: report.attempt)
        switch report.outcome {
        case .verified: outcome = .verified
        case .failed: outcome = .failed
        case .unknown: outcome = .unknown
        }
        reason = report.reason
        if let code = report.exitCode { exitCode = code }
        evidence = report.evidence.map(Baton_V1_Evidence.init)
        stdoutTail = report.stdoutTail
        stderrTail = report.stderrTail
        startedAtMs = report.startedAt.millisecondsSinceEpoch
        finishedAtMs = report.finishedAt.millisecondsSinceEpoch
        outputs = report.outputs
        failureKind = Baton_V1_FailureKind(report.failureKind)
    }

    public func model() throws -> StepReport {
        guard !runID.isEmpty, !stepID.isEmpty, attempt > 0 else {
            throw WireError.malformedField("report without run, step or attempt")
        }
        let outcome: Outcome
        switch self.outcome {
        case .verified: outcome = .verified
        case .failed: outcome = .failed
        case .unknown: outcome = .unknown
        default: throw WireError.malformedField("report without an outcome")
        }
        let (outputs, failureKind) = try outputsAndFailureKind(outcome)
        return StepReport(
            runID: RunID(runID), stepID: StepID(stepID), attempt: Int(attempt), outcome: outcome, reason: reason,
            exitCode: hasExitCode ? exitCode : nil, evidence: try evidence.map { try $0.model() },
            stdoutTail: stdoutTail, stderrTail: stderrTail,
            startedAt: Instant(millisecondsSinceEpoch: startedAtMs),
            finishedAt: Instant(millisecondsSinceEpoch: finishedAtMs), outputs: outputs, failureKind: failureKind)
    }
}

extension Baton_V1_AttemptRef {
    public init(_ key: AttemptKey) {
        self.init()
        runID = key.runID.rawValue
        stepID = key.stepID.rawValue
        attempt = UInt32(clamping: key.attempt)
    }

    public func model() throws -> AttemptKey {
        guard !runID.isEmpty, !stepID.isEmpty, attempt > 0 else {
            throw WireError.malformedField("attempt reference without run, step or attempt")
        }
        return AttemptKey(runID: RunID(runID), stepID: StepID(stepID), attempt: Int(attempt))
    }
}

extension Baton_V1_ReconcileEntry {
    public init(_ key: AttemptKey, _ state: AttemptState) {
        self.init()
        attempt = Baton_V1_AttemptRef(key)
        switch state {
        case .notFound: self.state = .notFound
        case .running: self.state = .running
        case .completed(let report):
            self.state = .completed
            self.report = Baton_V1_Report(report)
        }
    }

    public func model() throws -> (AttemptKey, AttemptState) {
        let key = try attempt.model()
        switch state {
        case .notFound: return (key, .notFound)
        case .running: return (key, .running)
        case .completed:
            let report = try self.report.model()
            guard report.key == key else { throw WireError.malformedField("reconcile entry \(key) carries the report of \(report.key)") }
            return (key, .completed(report))
        default:
            throw WireError.malformedField("reconcile entry \(key) without a state")
        }
    }
}
