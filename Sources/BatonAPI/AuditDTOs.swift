// The audit log over the operator API: `GET /v1/audit` and `GET /v1/audit/verify`.

/// One audit record. Times are milliseconds since the Unix epoch; absent fields are omitted.
public struct AuditRecordView: Codable, Sendable, Hashable {
    public var sequence: Int64
    public var at: Int64
    public var actor: String
    public var action: String
    /// `accepted` or `refused`.
    public var outcome: String
    public var incident: String?
    public var runID: String?
    public var stepID: String?
    public var attempt: Int?
    public var agent: String?
    public var detail: String
    public var previousHash: String
    public var hash: String

    public init(
        sequence: Int64, at: Int64, actor: String, action: String, outcome: String, incident: String?, runID: String?,
        stepID: String?, attempt: Int?, agent: String?, detail: String, previousHash: String, hash: String
    ) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.action = action
        self.outcome = outcome
        self.incident = incident
        self.runID = runID
        self.stepID = stepID
        self.attempt = attempt
        self.agent = agent
        self.detail = detail
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// `GET /v1/audit?incident=&agent=&run=&actor=&after=&limit=`: matching records, oldest first.
public struct AuditPage: Codable, Sendable, Hashable {
    public var records: [AuditRecordView]

    public init(records: [AuditRecordView]) { self.records = records }
}

/// `GET /v1/audit/verify`: `ok` with the record count and the newest hash, or the first record
/// that does not fit the chain and why.
public struct AuditVerifyResponse: Codable, Sendable, Hashable {
    public var ok: Bool
    public var records: Int?
    public var lastHash: String?
    public var firstBadSequence: Int64?
    public var problem: String?

    public init(ok: Bool, records: Int? = nil, lastHash: String? = nil, firstBadSequence: Int64? = nil, problem: String? = nil) {
        self.ok = ok
        self.records = records
        self.lastHash = lastHash
        self.firstBadSequence = firstBadSequence
        self.problem = problem
    }
}
