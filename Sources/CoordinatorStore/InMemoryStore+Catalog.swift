import BatonModel
import Synchronization

/// A catalog version's identity.
struct CatalogKey: Hashable, Sendable {
    var name: String
    var version: String
}

extension InMemoryStore: CatalogStore {
    public func push(_ version: CatalogVersion) async throws -> CatalogPushOutcome {
        try catalogEntries.withLock { entries throws(CatalogError) in
            let key = CatalogKey(name: version.name, version: version.version)
            let outcome = try CatalogRules.push(version, existing: entries[key])
            if case .stored(let stored) = outcome { entries[key] = stored }
            return outcome
        }
    }

    public func catalogVersion(name: String, version: String) async throws -> CatalogVersion? {
        catalogEntries.withLock { $0[CatalogKey(name: name, version: version)] }
    }

    public func catalogVersions() async throws -> [CatalogVersion] {
        CatalogRules.ordered(catalogEntries.withLock { Array($0.values) })
    }

    public func transition(
        name: String, version: String, _ transition: CatalogTransition, at now: Instant
    ) async throws -> CatalogVersion {
        try catalogEntries.withLock { entries throws(CatalogError) in
            let key = CatalogKey(name: name, version: version)
            guard let current = entries[key] else { throw .notFound("\(name)@\(version)") }
            let replacement = transition.replacementReference
                .flatMap(CatalogRules.parse)
                .flatMap { entries[CatalogKey(name: $0.name, version: $0.version)] }
            let updated = try CatalogRules.apply(transition, to: current, replacement: replacement, at: now)
            entries[key] = updated
            return updated
        }
    }
}
