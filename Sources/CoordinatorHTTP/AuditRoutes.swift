import BatonAPI
import BatonModel
import CoordinatorRuntime
import CoordinatorStore
import Hummingbird

extension OperatorHandlers {
    /// The audit page size when none is asked for, and the largest allowed.
    static let defaultAuditLimit = 1000
    static let maxAuditLimit = 10_000

    /// `GET /v1/audit?incident=&agent=&run=&actor=&after=&limit=`: matching audit records, oldest first.
    func auditQuery(_ request: Request) async throws -> Response {
        let query = AuditQuery(
            incident: try Self.text("incident", in: request), agent: try Self.text("agent", in: request),
            run: try Self.text("run", in: request).map { RunID($0) }, actor: try Self.text("actor", in: request),
            after: try RequestInput.integer(
                "after", in: request, default: Int64(0), range: 0...Int64.max, meaning: "the last sequence number already seen"),
            limit: try RequestInput.integer(
                "limit", in: request, default: Self.defaultAuditLimit, range: 1...Self.maxAuditLimit,
                meaning: "the most records to return"))
        let records = try await coordinator.auditRecords(query)
        return JSONResponse.make(AuditPage(records: records.map(AuditRecordView.init)))
    }

    /// `GET /v1/audit/verify`: checks the whole chain; 200 either way, `ok` says whether it holds.
    func auditVerify() async throws -> Response {
        switch try await coordinator.verifyAudit() {
        case .intact(let count, let lastHash):
            return JSONResponse.make(AuditVerifyResponse(ok: true, records: count, lastHash: lastHash))
        case .broken(let sequence, let problem):
            return JSONResponse.make(AuditVerifyResponse(ok: false, firstBadSequence: sequence, problem: problem.description))
        }
    }

    /// A text query parameter given at most once; nil when absent.
    private static func text(_ name: String, in request: Request) throws(APIError) -> String? {
        let values = request.uri.queryParameters.getAll(name)
        guard values.count <= 1 else { throw .badRequest("query parameter '\(name)' is given \(values.count) times") }
        guard let value = values.first else { return nil }
        guard !value.isEmpty else { throw .badRequest("query parameter '\(name)' is empty; leave it out to match everything") }
        return String(value)
    }
}

extension AuditRecordView {
    init(_ record: AuditRecord) {
        let entry = record.entry
        self.init(
            sequence: record.sequence, at: entry.at.millisecondsSinceEpoch, actor: entry.actor, action: entry.action,
            outcome: entry.outcome.rawValue, incident: entry.incident, runID: entry.run?.rawValue, stepID: entry.step?.rawValue,
            attempt: entry.attempt, agent: entry.agent, detail: entry.detail, previousHash: record.previousHash,
            hash: record.hash)
    }
}
