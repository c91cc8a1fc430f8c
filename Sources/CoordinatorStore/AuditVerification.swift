/// What is wrong with the first audit record that does not fit the chain.
public enum AuditProblem: Hashable, Sendable, CustomStringConvertible {
    /// The stored hash does not match the record's contents: the record was changed after it was written.
    case edited(storedHash: String, computedHash: String)
    /// The sequence is not the one after the previous record's: records before it are missing.
    case sequenceGap(expected: Int64)
    /// The record's previous hash is not the hash of the record before it: a record was removed,
    /// replaced or reordered.
    case unlinked(expectedPreviousHash: String, storedPreviousHash: String)

    public var description: String {
        switch self {
        case .edited(let stored, let computed):
            return "its contents do not match its hash (stored \(stored), contents hash to \(computed)): the record was changed"
        case .sequenceGap(let expected):
            return expected == 1
                ? "the chain does not start at sequence 1: the oldest records are missing"
                : "sequence gap: expected sequence \(expected) here, so records were removed before it"
        case .unlinked(let expected, let stored):
            return "its previous hash \(stored) is not the hash of the record before it (\(expected)): "
                + "a record was removed, replaced or reordered"
        }
    }
}

/// The result of checking the whole audit chain.
public enum AuditVerification: Hashable, Sendable {
    /// Every record links to the one before it; `lastHash` is the newest record's hash (the genesis hash when empty).
    case intact(records: Int, lastHash: String)
    /// The first record that does not fit, and why.
    case broken(sequence: Int64, problem: AuditProblem)
}

/// Checks records one at a time, in sequence order, against the chain so far.
public struct AuditChainVerifier: Sendable {
    public private(set) var count = 0
    public private(set) var lastSequence: Int64 = 0
    public private(set) var lastHash = AuditChain.genesisHash

    public init() {}

    /// The problem with `record` as the next one in the chain, or nil (and the chain advances) when it fits.
    public mutating func check(_ record: AuditRecord) -> AuditProblem? {
        let computed = AuditChain.hash(sequence: record.sequence, entry: record.entry, previousHash: record.previousHash)
        guard computed == record.hash else { return .edited(storedHash: record.hash, computedHash: computed) }
        guard record.sequence == lastSequence + 1 else { return .sequenceGap(expected: lastSequence + 1) }
        guard record.previousHash == lastHash else {
            return .unlinked(expectedPreviousHash: lastHash, storedPreviousHash: record.previousHash)
        }
        count += 1
        lastSequence = record.sequence
        lastHash = record.hash
        return nil
    }
}

extension CoordinatorStore {
    /// Reads every audit record, oldest first, a page at a time, and checks the chain: the same check for every store.
    public func verifyAudit(pageSize: Int = 1000) async throws -> AuditVerification {
        var verifier = AuditChainVerifier()
        var cursor: Int64 = 0
        while true {
            let page = try await auditRecords(AuditQuery(after: cursor, limit: pageSize))
            guard let last = page.last else { return .intact(records: verifier.count, lastHash: verifier.lastHash) }
            for record in page {
                if let problem = verifier.check(record) { return .broken(sequence: record.sequence, problem: problem) }
            }
            cursor = last.sequence
        }
    }
}
