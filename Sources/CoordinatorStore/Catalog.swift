import BatonModel

/// Where a catalog version is in its life. It only moves forward:
/// draft → published → deprecated → retired (published may also be retired directly).
public enum CatalogState: String, Codable, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Pushed by an author; runs refused until another operator publishes it.
    case draft
    /// Runs start from it.
    case published
    /// Runs still start, with a warning pointing to the replacement.
    case deprecated
    /// New runs are refused and pointed to the replacement.
    case retired

    public var description: String { rawValue }
}

/// A module file stored with a catalog version (the modules its playbook uses).
public struct CatalogModule: Codable, Sendable, Hashable {
    public var file: String
    public var text: String

    public init(file: String, text: String) {
        self.file = file
        self.text = text
    }
}

/// One immutable playbook version in the catalog, with its lifecycle so far.
/// The content (text, modules, hash, author) never changes once pushed; only the lifecycle fields do.
public struct CatalogVersion: Codable, Sendable, Hashable {
    public var name: String
    public var version: String
    /// The file name the playbook was pushed from (diagnostics name it).
    public var fileName: String
    public var playbookText: String
    public var modules: [CatalogModule]
    /// Lowercase hex SHA-256 over the playbook text and the sorted module files.
    public var contentHash: String
    /// The operator name that pushed it.
    public var author: String
    public var pushedAt: Instant

    public var state: CatalogState = .draft
    public var publisher: String?
    public var publishedAt: Instant?
    public var deprecatedBy: String?
    public var deprecatedAt: Instant?
    public var retiredBy: String?
    public var retiredAt: Instant?
    /// `NAME@VERSION` to use instead (set by deprecate or retire).
    public var replacement: String?
    public var reason: String?

    public init(
        name: String, version: String, fileName: String, playbookText: String, modules: [CatalogModule],
        contentHash: String, author: String, pushedAt: Instant
    ) {
        self.name = name
        self.version = version
        self.fileName = fileName
        self.playbookText = playbookText
        self.modules = modules
        self.contentHash = contentHash
        self.author = author
        self.pushedAt = pushedAt
    }

    /// `NAME@VERSION`.
    public var reference: String { "\(name)@\(version)" }

    /// Whether `other` has the same content (what push compares).
    public func sameContent(as other: CatalogVersion) -> Bool { contentHash == other.contentHash }
}

/// What an operator asks to do to a version's lifecycle.
public enum CatalogTransition: Sendable, Hashable {
    case publish(by: String)
    case deprecate(by: String, replacement: String, reason: String?)
    case retire(by: String, replacement: String, reason: String?)

    /// `publish`, `deprecate`, `retire`.
    public var verb: String {
        switch self {
        case .publish: "publish"
        case .deprecate: "deprecate"
        case .retire: "retire"
        }
    }

    /// The state the version reaches.
    public var target: CatalogState {
        switch self {
        case .publish: .published
        case .deprecate: .deprecated
        case .retire: .retired
        }
    }

    /// The `NAME@VERSION` a deprecate or retire points to.
    public var replacementReference: String? {
        switch self {
        case .publish: nil
        case .deprecate(_, let replacement, _), .retire(_, let replacement, _): replacement
        }
    }
}

/// What a push did.
public enum CatalogPushOutcome: Sendable, Hashable {
    /// A new version was stored (as a draft).
    case stored(CatalogVersion)
    /// The same name, version and content were already stored: nothing changed.
    case unchanged(CatalogVersion)

    public var version: CatalogVersion {
        switch self {
        case .stored(let version), .unchanged(let version): version
        }
    }
}

/// The playbook catalog's durable state. Implemented by the same stores as `CoordinatorStore`;
/// every implementation enforces the rules in `CatalogRules` inside one atomic update.
public protocol CatalogStore: Sendable {
    /// Stores `version` as a draft. The same name and version with the same hash again is `.unchanged`;
    /// with another hash it throws `CatalogError.contentConflict`.
    func push(_ version: CatalogVersion) async throws -> CatalogPushOutcome

    /// The version, or nil when there is none.
    func catalogVersion(name: String, version: String) async throws -> CatalogVersion?

    /// Every version, ordered by `CatalogRules.ordered`.
    func catalogVersions() async throws -> [CatalogVersion]

    /// Applies `transition` (see `CatalogRules.apply`) and returns the updated version.
    func transition(name: String, version: String, _ transition: CatalogTransition, at: Instant) async throws
        -> CatalogVersion
}

/// A catalog request that breaks a rule. `status` says how an API should answer it.
public struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Status: Sendable, Hashable {
        case notFound, conflict, forbidden, invalid
    }

    public let status: Status
    public let message: String

    public var description: String { message }

    public static func notFound(_ reference: String) -> CatalogError {
        CatalogError(status: .notFound, message: "\(reference) is not in the catalog")
    }

    public static func contentConflict(_ reference: String, stored: String, pushed: String) -> CatalogError {
        CatalogError(
            status: .conflict,
            message: "\(reference) is already in the catalog with content hash \(stored); the pushed content hashes to "
                + "\(pushed). Versions are immutable: give the playbook a new metadata.version")
    }

    public static func authorCannotPublish(_ author: String, _ reference: String) -> CatalogError {
        CatalogError(status: .forbidden, message: "\(author) pushed \(reference); another publisher must publish it")
    }

    public static func invalidTransition(_ reference: String, _ transition: CatalogTransition, from state: CatalogState)
        -> CatalogError
    {
        let allowed = CatalogRules.allowedSources(transition.target).map(\.rawValue).joined(separator: " or ")
        return CatalogError(
            status: .conflict,
            message: "cannot \(transition.verb) \(reference): it is \(state); only a \(allowed) version can be \(transition.target)")
    }

    public static func badReplacement(_ reference: String, _ transition: CatalogTransition, _ problem: String)
        -> CatalogError
    {
        CatalogError(status: .invalid, message: "cannot \(transition.verb) \(reference): \(problem)")
    }
}

/// The catalog's rules, shared by every store so they cannot drift apart.
public enum CatalogRules {
    /// The states a version may be in for a transition to `target`.
    public static func allowedSources(_ target: CatalogState) -> [CatalogState] {
        switch target {
        case .draft: []
        case .published: [.draft]
        case .deprecated: [.published]
        case .retired: [.published, .deprecated]
        }
    }

    /// The outcome of pushing `pushed` when `existing` is stored under the same name and version.
    public static func push(_ pushed: CatalogVersion, existing: CatalogVersion?) throws(CatalogError) -> CatalogPushOutcome {
        guard let existing else {
            var stored = pushed
            stored.state = .draft
            return .stored(stored)
        }
        guard existing.sameContent(as: pushed) else {
            throw .contentConflict(pushed.reference, stored: existing.contentHash, pushed: pushed.contentHash)
        }
        return .unchanged(existing)
    }

    /// `version` after `transition`. `replacement` is the stored version the transition names, if any.
    public static func apply(
        _ transition: CatalogTransition, to version: CatalogVersion, replacement: CatalogVersion?, at now: Instant
    ) throws(CatalogError) -> CatalogVersion {
        guard allowedSources(transition.target).contains(version.state) else {
            throw .invalidTransition(version.reference, transition, from: version.state)
        }
        if let named = transition.replacementReference {
            let reference = version.reference
            guard named != reference else { throw .badReplacement(reference, transition, "it cannot replace itself") }
            guard let replacement else {
                throw .badReplacement(reference, transition, "the replacement \(named) is not in the catalog")
            }
            guard replacement.state != .retired else {
                throw .badReplacement(reference, transition, "the replacement \(named) is retired")
            }
        }
        var updated = version
        updated.state = transition.target
        switch transition {
        case .publish(let by):
            guard by != version.author else { throw .authorCannotPublish(version.author, version.reference) }
            updated.publisher = by
            updated.publishedAt = now
        case .deprecate(let by, let replacement, let reason):
            updated.deprecatedBy = by
            updated.deprecatedAt = now
            updated.replacement = replacement
            updated.reason = reason
        case .retire(let by, let replacement, let reason):
            updated.retiredBy = by
            updated.retiredAt = now
            updated.replacement = replacement
            updated.reason = reason ?? updated.reason
        }
        return updated
    }

    /// `NAME@VERSION` split at the last `@`, or nil when either side is empty.
    public static func parse(_ reference: String) -> (name: String, version: String)? {
        guard let at = reference.lastIndex(of: "@") else { return nil }
        let name = String(reference[..<at])
        let version = String(reference[reference.index(after: at)...])
        guard !name.isEmpty, !version.isEmpty else { return nil }
        return (name, version)
    }

    /// By name, then version with numeric dot-separated parts compared as numbers (`2` < `10`).
    public static func ordered(_ versions: [CatalogVersion]) -> [CatalogVersion] {
        versions.sorted { lhs, rhs in
            lhs.name != rhs.name ? lhs.name < rhs.name : versionPrecedes(lhs.version, rhs.version)
        }
    }

    static func versionPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.split(separator: ".")
        let right = rhs.split(separator: ".")
        for (a, b) in zip(left, right) where a != b {
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
        return left.count != right.count ? left.count < right.count : lhs < rhs
    }
}
