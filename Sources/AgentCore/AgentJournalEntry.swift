import BatonModel

/// One line of the agent's local journal. The agent writes `accepted` durably before it runs
/// anything for an attempt, so after a crash it knows what may have run.
public enum AgentJournalEntry: Hashable, Sendable, Codable {
    case accepted(Assignment)
    /// The action's process (leader of its own process group) started.
    case started(AttemptKey, processGroup: Int32)
    case completed(StepReport)
    /// The coordinator journaled the report; it left the outbox.
    case acknowledged(AttemptKey)
}
