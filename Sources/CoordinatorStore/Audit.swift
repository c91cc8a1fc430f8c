import BatonModel
import Crypto

/// Whether the coordinator did what was asked.
public enum AuditOutcome: String, Hashable, Sendable, Codable, CaseIterable {
    case accepted
    case refused
}

/// One thing done or refused: who asked, what, when, and what it touched.
public struct AuditEntry: Hashable, Sendable {
    public var at: Instant
    /// Who asked: an operator's principal URI, `agent:<tier>/<name>`, or `coordinator` for its own decisions.
    public var actor: String
    /// What was asked: `run.start`, `agent.report`, `event.step-retry-scheduled`, `POST /v1/runs`.
    public var action: String
    public var outcome: AuditOutcome
    public var incident: String?
    public var run: RunID?
    public var step: StepID?
    public var attempt: Int?
    /// The agent's name (`db-1`) when an agent is involved.
    public var agent: String?
    /// A one-line account: the event's summary, or the HTTP status and error.
    public var detail: String

    public init(
        at: Instant, actor: String, action: String, outcome: AuditOutcome, incident: String? = nil, run: RunID? = nil,
        step: StepID? = nil, attempt: Int? = nil, agent: String? = nil, detail: String = ""
    ) {
        self.at = at
        self.actor = actor
        self.action = action
        self.outcome = outcome
        self.incident = incident
        self.run = run
        self.step = step
        self.attempt = attempt
        self.agent = agent
        self.detail = detail
    }

    /// Throws when the entry cannot be recorded: an audit record must say who and what.
    public func validate() throws(AuditEntryError) {
        if actor.isEmpty { throw AuditEntryError(message: "audit entry \(action) has no actor") }
        if action.isEmpty { throw AuditEntryError(message: "audit entry by \(actor) has no action") }
    }
}

public struct AuditEntryError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// An audit entry as stored: its place in the chain and the hashes that link it.
public struct AuditRecord: Hashable, Sendable {
    /// 1 for the first record, then rising by exactly one.
    public var sequence: Int64
    public var entry: AuditEntry
    /// The hash of the record before it; `AuditChain.genesisHash` for the first.
    public var previousHash: String
    /// `AuditChain.hash(sequence:entry:previousHash:)` of this record.
    public var hash: String

    public init(sequence: Int64, entry: AuditEntry, previousHash: String, hash: String) {
        self.sequence = sequence
        self.entry = entry
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Links `entry` after a record whose sequence and hash are given (0 and the genesis hash for the first).
    public init(entry: AuditEntry, after previousSequence: Int64, previousHash: String) {
        let sequence = previousSequence + 1
        self.init(
            sequence: sequence, entry: entry, previousHash: previousHash,
            hash: AuditChain.hash(sequence: sequence, entry: entry, previousHash: previousHash))
    }
}

/// Which audit records to read. Every given filter must match; records come oldest first.
public struct AuditQuery: Hashable, Sendable {
    public var incident: String?
    /// The agent's name (`db-1`).
    public var agent: String?
    public var run: RunID?
    public var actor: String?
    /// Only records with a sequence above this.
    public var after: Int64
    public var limit: Int

    public init(
        incident: String? = nil, agent: String? = nil, run: RunID? = nil, actor: String? = nil, after: Int64 = 0,
        limit: Int = 1000
    ) {
        self.incident = incident
        self.agent = agent
        self.run = run
        self.actor = actor
        self.after = after
        self.limit = limit
    }

    /// Whether `record` passes the filters (not `limit`).
    public func matches(_ record: AuditRecord) -> Bool {
        let entry = record.entry
        return record.sequence > after && (incident == nil || entry.incident == incident)
            && (agent == nil || entry.agent == agent) && (run == nil || entry.run == run)
            && (actor == nil || entry.actor == actor)
    }
}

/// The hash chain: each record's hash covers its own fields and the previous record's hash.
public enum AuditChain {
    /// The `previousHash` of the first record.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Lowercase hex SHA-256 of the canonical encoding of the record (`encode`).
    public static func hash(sequence: Int64, entry: AuditEntry, previousHash: String) -> String {
        var hasher = SHA256()
        encode(sequence: sequence, entry: entry, previousHash: previousHash).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hex(hasher.finalize())
    }

    /// The bytes that are hashed: a version tag, then every field in a fixed order. Strings are
    /// length-prefixed (8-byte big-endian byte count, then UTF-8), integers are 8-byte big-endian,
    /// optional fields start with a presence byte (0 absent, 1 present), so no two different
    /// records encode to the same bytes and no text can shift a field boundary.
    public static func encode(sequence: Int64, entry: AuditEntry, previousHash: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + entry.detail.utf8.count)
        append(string: "baton-audit-v1", to: &bytes)
        append(string: previousHash, to: &bytes)
        append(integer: sequence, to: &bytes)
        append(integer: entry.at.millisecondsSinceEpoch, to: &bytes)
        append(string: entry.actor, to: &bytes)
        append(string: entry.action, to: &bytes)
        append(string: entry.outcome.rawValue, to: &bytes)
        append(optional: entry.incident, to: &bytes)
        append(optional: entry.run?.rawValue, to: &bytes)
        append(optional: entry.step?.rawValue, to: &bytes)
        if let attempt = entry.attempt {
            bytes.append(1)
            append(integer: Int64(attempt), to: &bytes)
        } else {
            bytes.append(0)
        }
        append(optional: entry.agent, to: &bytes)
        append(string: entry.detail, to: &bytes)
        return bytes
    }

    private static func append(integer: Int64, to bytes: inout [UInt8]) {
        let value = UInt64(bitPattern: integer)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func append(string: String, to bytes: inout [UInt8]) {
        append(integer: Int64(string.utf8.count), to: &bytes)
        bytes.append(contentsOf: string.utf8)
    }

    private static func append(optional: String?, to bytes: inout [UInt8]) {
        guard let optional else { return bytes.append(0) }
        bytes.append(1)
        append(string: optional, to: &bytes)
    }

    /// Lowercase hex of the bytes.
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
