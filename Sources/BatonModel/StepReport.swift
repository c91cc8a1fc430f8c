/// The three-valued outcome of a step attempt. `unknown` never passes a gate.
public enum Outcome: String, Hashable, Sendable, Codable {
    case verified
    case failed
    case unknown
}

/// A step handed to one agent: the contract to check and the action to run.
public struct Assignment: Hashable, Sendable, Codable {
    public var runID: RunID
    public var stepID: StepID
    public var attempt: Int
    /// The coordinator's epoch when it issued this assignment.
    public var epoch: UInt64
    public var pre: [Probe]
    public var action: Action?
    public var post: [Probe]
    public var timeoutMilliseconds: Int64
    /// Outputs to extract once the postconditions pass.
    public var outputs: [OutputSpec]

    public init(
        runID: RunID, stepID: StepID, attempt: Int, epoch: UInt64, pre: [Probe], action: Action?, post: [Probe],
        timeoutMilliseconds: Int64, outputs: [OutputSpec] = []
    ) {
        self.outputs = outputs
        self.runID = runID
        self.stepID = stepID
        self.attempt = attempt
        self.epoch = epoch
        self.pre = pre
        self.action = action
        self.post = post
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public var key: AttemptKey { AttemptKey(runID: runID, stepID: stepID, attempt: attempt) }
}

/// (run, step, attempt): the key under which agents and the coordinator record an attempt.
public struct AttemptKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var runID: RunID
    public var stepID: StepID
    public var attempt: Int

    public init(runID: RunID, stepID: StepID, attempt: Int) {
        self.runID = runID
        self.stepID = stepID
        self.attempt = attempt
    }

    public var description: String { "\(runID)/\(stepID)#\(attempt)" }
}

/// What an agent reports after an attempt: the outcome, why, and the evidence.
public struct StepReport: Hashable, Sendable, Codable {
    public var runID: RunID
    public var stepID: StepID
    public var attempt: Int
    public var outcome: Outcome
    /// Why the outcome is not `verified` (`postcondition failed: file … contains "x"`); empty when verified.
    public var reason: String
    /// The action's exit code; nil when no action ran or it was killed by a signal.
    public var exitCode: Int32?
    public var evidence: [Evidence]
    public var stdoutTail: String
    public var stderrTail: String
    public var startedAt: Instant
    public var finishedAt: Instant
    /// The declared outputs with their values (only when verified).
    public var outputs: [String: String]
    /// What failed (nil when verified or unknown).
    public var failureKind: FailureKind?

    public init(
        runID: RunID, stepID: StepID, attempt: Int, outcome: Outcome, reason: String = "", exitCode: Int32? = nil,
        evidence: [Evidence] = [], stdoutTail: String = "", stderrTail: String = "", startedAt: Instant,
        finishedAt: Instant, outputs: [String: String] = [:], failureKind: FailureKind? = nil
    ) {
        self.outputs = outputs
        self.failureKind = failureKind
        self.runID = runID
        self.stepID = stepID
        self.attempt = attempt
        self.outcome = outcome
        self.reason = reason
        self.exitCode = exitCode
        self.evidence = evidence
        self.stdoutTail = stdoutTail
        self.stderrTail = stderrTail
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    public var key: AttemptKey { AttemptKey(runID: runID, stepID: stepID, attempt: attempt) }
}

/// What an agent knows of an attempt when the coordinator asks (reconciliation).
public enum AttemptState: Hashable, Sendable, Codable {
    /// The agent has no record of accepting the attempt: it never ran.
    case notFound
    /// The attempt is running now.
    case running
    /// The attempt finished with this report (outcome `unknown` if the agent died while it ran).
    case completed(StepReport)
}

// Decoding of records written before step contracts existed (coordinator journals, agent journals):
// every field added since then may be missing and takes its default. Encoding is synthesized.

extension Assignment {
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            runID: try values.decode(RunID.self, forKey: .runID), stepID: try values.decode(StepID.self, forKey: .stepID),
            attempt: try values.decode(Int.self, forKey: .attempt), epoch: try values.decode(UInt64.self, forKey: .epoch),
            pre: try values.decode([Probe].self, forKey: .pre), action: try values.decodeIfPresent(Action.self, forKey: .action),
            post: try values.decode([Probe].self, forKey: .post),
            timeoutMilliseconds: try values.decode(Int64.self, forKey: .timeoutMilliseconds),
            outputs: try values.decodeIfPresent([OutputSpec].self, forKey: .outputs) ?? [])
    }
}

extension StepReport {
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            runID: try values.decode(RunID.self, forKey: .runID), stepID: try values.decode(StepID.self, forKey: .stepID),
            attempt: try values.decode(Int.self, forKey: .attempt), outcome: try values.decode(Outcome.self, forKey: .outcome),
            reason: try values.decode(String.self, forKey: .reason),
            exitCode: try values.decodeIfPresent(Int32.self, forKey: .exitCode),
            evidence: try values.decode([Evidence].self, forKey: .evidence),
            stdoutTail: try values.decode(String.self, forKey: .stdoutTail),
            stderrTail: try values.decode(String.self, forKey: .stderrTail),
            startedAt: try values.decode(Instant.self, forKey: .startedAt),
            finishedAt: try values.decode(Instant.self, forKey: .finishedAt),
            outputs: try values.decodeIfPresent([String: String].self, forKey: .outputs) ?? [:],
            failureKind: try values.decodeIfPresent(FailureKind.self, forKey: .failureKind))
    }
}
