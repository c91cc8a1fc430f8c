import BatonModel
import BatonWire
import Glibc

/// The verdict on one probe before it is stamped into `Evidence`.
struct ProbeVerdict: Equatable, Sendable {
    var expected: String
    var observed: String
    var passed: Bool
}

/// Evaluates pre/post probes on the agent's host and explains each result in `Evidence`.
///
/// Every check runs off Swift's cooperative pool (commands via `ProcessRunner`, sockets and file
/// reads on dedicated threads) and respects the probe's timeout.
public struct ProbeEvaluator: Sendable {
    /// How much of a file a `contains` check reads.
    public static let fileReadLimit = 1 << 20
    /// How much of a probe command's stdout/stderr is kept for its checks.
    public static let commandOutputCap = 1 << 20

    public let runner: ProcessRunner

    public init(runner: ProcessRunner = ProcessRunner()) {
        self.runner = runner
    }

    /// Evaluates one probe; with `retry_for`, re-evaluates it until it passes or the time is up.
    public func evaluate(_ probe: Probe, phase: ProbePhase) async -> Evidence {
        var verdict = await evaluateOnce(probe)
        if let retry = probe.retry {
            let start = ExecClock.monotonicMilliseconds()
            var tries = 1
            while !verdict.passed {
                let elapsed = ExecClock.monotonicMilliseconds() - start
                let pause = min(max(retry.intervalMilliseconds, 1), retry.forMilliseconds - elapsed)
                guard pause > 0, !Task.isCancelled else { break }
                try? await Task.sleep(nanoseconds: UInt64(pause) * 1_000_000)
                tries += 1
                verdict = await evaluateOnce(probe)
            }
            let elapsed = ExecClock.monotonicMilliseconds() - start
            verdict.expected += " within \(EvidenceText.seconds(retry.forMilliseconds))"
            verdict.observed += " (after \(tries) \(tries == 1 ? "try" : "tries") in \(EvidenceText.seconds(elapsed)))"
        }
        return Evidence(
            phase: phase, probe: probe.description, expected: verdict.expected, observed: verdict.observed,
            passed: verdict.passed, at: WallClock.now()
        )
    }

    private func evaluateOnce(_ probe: Probe) async -> ProbeVerdict {
        switch probe {
        case .command(let command): return await evaluateCommand(command)
        case .file(let file): return await BlockingCall.run(onTimeout: Self.unreachable) { Self.evaluateFile(file) }
        case .tcp(let tcp): return await evaluateTCP(tcp)
        case .http(let http): return await evaluateHTTP(http)
        case .process(let process):
            return await BlockingCall.run(onTimeout: Self.unreachable) { Self.evaluateProcess(process) }
        }
    }

    /// Evaluates `probes` one after another and returns their evidence in the same order.
    public func evaluate(_ probes: [Probe], phase: ProbePhase) async -> [Evidence] {
        var evidence: [Evidence] = []
        evidence.reserveCapacity(probes.count)
        for probe in probes { evidence.append(await evaluate(probe, phase: phase)) }
        return evidence
    }

    private static let unreachable = ProbeVerdict(expected: "", observed: "not evaluated", passed: false)

    // MARK: tcp

    func evaluateTCP(_ probe: TCPProbe) async -> ProbeVerdict {
        let expected = probe.state.rawValue
        let timeout = probe.timeoutMilliseconds
        // The connect itself is bounded by the timeout; the outer bound also covers slow DNS.
        let result = await BlockingCall.run(
            timeoutMilliseconds: min(timeout, 86_400_000) + 250, onTimeout: .failure(ConnectFailure.timedOut(milliseconds: timeout))
        ) { () -> Result<Int32, ConnectFailure> in
            TCPConnect.connect(host: probe.host, port: probe.port, timeoutMilliseconds: timeout).map { fd in
                _ = close(fd)
                return fd
            }
        }
        switch result {
        case .success:
            return ProbeVerdict(expected: expected, observed: "open", passed: probe.state == .open)
        case .failure(let failure) where failure.isReachabilityAnswer:
            return ProbeVerdict(expected: expected, observed: "closed (\(failure))", passed: probe.state == .closed)
        case .failure(let failure):
            // An unknown host or a bad port proves nothing about the port: never a pass.
            return ProbeVerdict(expected: expected, observed: failure.description, passed: false)
        }
    }

    // MARK: http

    func evaluateHTTP(_ probe: HTTPProbe) async -> ProbeVerdict {
        var expectations = ["status \(probe.status)"]
        if let needle = probe.bodyContains { expectations.append("body contains \(EvidenceText.quoted(needle))") }
        if let json = probe.json { expectations.append(Self.expectedJSON(json)) }
        let expected = expectations.joined(separator: ", ")
        let target: HTTPTarget
        switch HTTPTarget.parse(probe.url) {
        case .success(let parsed): target = parsed
        case .failure(.invalid(let why)):
            return ProbeVerdict(expected: expected, observed: "invalid URL: \(why)", passed: false)
        }
        let timeout = probe.timeoutMilliseconds
        let needsBody = probe.bodyContains != nil || probe.json != nil
        let result = await BlockingCall.run(
            timeoutMilliseconds: min(timeout, 86_400_000) + 250, onTimeout: .failure(HTTPFailure.timedOut(milliseconds: timeout))
        ) {
            HTTPGet.response(
                of: target, timeoutMilliseconds: timeout, bodyLimit: needsBody ? Self.fileReadLimit : nil, caFile: probe.caFile)
        }
        switch result {
        case .success(let response):
            var observed = ["status \(response.status)"]
            var passed = response.status == probe.status
            if let needle = probe.bodyContains {
                let found = Self.contains(response.body, Array(needle.utf8))
                observed.append("body \(found ? "contains" : "does not contain") \(EvidenceText.quoted(needle))")
                if !found { passed = false }
            }
            if let json = probe.json {
                let check = Self.checkJSON(json, in: response.body, source: "body")
                observed.append(check.observed)
                if !check.passed { passed = false }
            }
            if !passed, needsBody {
                let body = String(decoding: response.body, as: UTF8.self)
                observed.append(body.isEmpty ? "body empty" : "body \(EvidenceText.quoted(body))")
            }
            return ProbeVerdict(expected: expected, observed: observed.joined(separator: ", "), passed: passed)
        case .failure(.setup(let why)):
            return ProbeVerdict(expected: expected, observed: why, passed: false)
        case .failure(let failure):
            return ProbeVerdict(expected: expected, observed: "no response: \(failure)", passed: false)
        }
    }
}
