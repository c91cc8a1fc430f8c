// The playbook catalog's API bodies, shared by batond and the CLI. Times are milliseconds since the Unix epoch.

/// `POST /v1/catalog`: push a playbook version (its name and version come from its metadata).
public struct CatalogPushRequest: Codable, Sendable, Hashable {
    public var playbook: String
    /// The playbook's file name, used in error positions.
    public var fileName: String
    /// The modules the playbook uses (`uses:`), as found on the author's module path.
    public var modules: [ModuleFile]

    public init(playbook: String, fileName: String, modules: [ModuleFile]) {
        self.playbook = playbook
        self.fileName = fileName
        self.modules = modules
    }
}

/// The answer to a push: the stored version, and whether this push stored it or it was already there.
public struct CatalogPushResponse: Codable, Sendable, Hashable {
    public var version: CatalogVersionView
    /// False when the same name, version and content were already in the catalog (nothing changed).
    public var created: Bool
    /// One line for a person: what happened.
    public var message: String
    /// Lint warnings about the playbook, `file:line:column: warning: message`.
    public var warnings: [String]

    public init(version: CatalogVersionView, created: Bool, message: String, warnings: [String]) {
        self.version = version
        self.created = created
        self.message = message
        self.warnings = warnings
    }
}

/// `POST /v1/catalog/{name}/{version}/deprecate` and `/retire`.
public struct CatalogTransitionRequest: Codable, Sendable, Hashable {
    /// `NAME@VERSION` to use instead; it must be in the catalog.
    public var replacement: String
    public var reason: String?

    public init(replacement: String, reason: String? = nil) {
        self.replacement = replacement
        self.reason = reason
    }
}

/// One catalog version. `text` and `modules` are only filled by `GET /v1/catalog/{name}/{version}`.
public struct CatalogVersionView: Codable, Sendable, Hashable {
    public var name: String
    public var version: String
    /// `NAME@VERSION`.
    public var reference: String
    /// draft, published, deprecated, retired
    public var state: String
    public var contentHash: String
    public var fileName: String
    public var author: String
    public var pushedAt: Int64
    public var publisher: String?
    public var publishedAt: Int64?
    public var deprecatedBy: String?
    public var deprecatedAt: Int64?
    public var retiredBy: String?
    public var retiredAt: Int64?
    /// `NAME@VERSION` to use instead, once deprecated or retired.
    public var replacement: String?
    public var reason: String?
    public var text: String?
    public var modules: [ModuleFile]?

    public init(
        name: String, version: String, state: String, contentHash: String, fileName: String, author: String,
        pushedAt: Int64
    ) {
        self.name = name
        self.version = version
        self.reference = "\(name)@\(version)"
        self.state = state
        self.contentHash = contentHash
        self.fileName = fileName
        self.author = author
        self.pushedAt = pushedAt
    }
}

/// `GET /v1/catalog`: every version, by name then version.
public struct CatalogList: Codable, Sendable, Hashable {
    public var versions: [CatalogVersionView]

    public init(versions: [CatalogVersionView]) { self.versions = versions }
}
