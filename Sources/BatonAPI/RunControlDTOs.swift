// Run control: abort, pause, resume and retry requests. Each answers the updated RunView.

/// `POST /v1/runs/{id}/abort`.
public struct AbortRunRequest: Codable, Sendable, Hashable {
    /// Why the run is stopped (required; journaled and audited).
    public var reason: String
    /// Roll back the verified steps first, as `on_failure: rollback` does (default false).
    public var rollback: Bool?

    public init(reason: String, rollback: Bool? = nil) {
        self.reason = reason
        self.rollback = rollback
    }
}

/// `POST /v1/runs/{id}/pause` and `POST /v1/runs/{id}/resume` (the body may be empty).
public struct PauseRunRequest: Codable, Sendable, Hashable {
    public var reason: String?

    public init(reason: String? = nil) {
        self.reason = reason
    }
}

/// `POST /v1/runs/{id}/retry` (the body may be empty: every failed, unknown or cancelled step).
public struct RetryRunRequest: Codable, Sendable, Hashable {
    /// The plan step to run again; nil: every failed, unknown or cancelled step.
    public var step: String?
    /// For a fanned-out step: only its hosts that failed, are unknown or were cancelled (default false: every host).
    public var failedTargets: Bool?
    public var reason: String?

    public init(step: String? = nil, failedTargets: Bool? = nil, reason: String? = nil) {
        self.step = step
        self.failedTargets = failedTargets
        self.reason = reason
    }
}
