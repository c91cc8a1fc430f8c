import BatonModel

/// Who a certificate holder is, as written in its SPIFFE URI subject alternative name.
///
/// The URI shapes are:
/// - `spiffe://<trust-domain>/agent/<tier>/<name>`
/// - `spiffe://<trust-domain>/coordinator/<name>`
/// - `spiffe://<trust-domain>/operator/<role>/<name>`
///
/// Names and roles match `[a-z0-9][a-z0-9._-]{0,62}`; trust domains use `[a-z0-9._-]`.
public struct BatonPrincipal: Hashable, Sendable, CustomStringConvertible {
    /// The kind of principal and its kind-specific names.
    public enum Kind: Hashable, Sendable {
        case agent(AgentIdentity)
        case coordinator(String)
        case `operator`(name: String, role: String)
    }

    /// The trust domain that scopes this identity (`baton.local`).
    public var trustDomain: String
    public var kind: Kind

    /// The trust domain used when none is given.
    public static let defaultTrustDomain = "baton.local"

    /// The operator roles that the CLI accepts when issuing operator certificates.
    public static let operatorRoles = OperatorRole.allCases.map(\.rawValue)

    static let namePatternDescription = "[a-z0-9][a-z0-9._-]{0,62}"

    /// Makes a principal without validating it; `uri()` of an invalid principal does not parse back.
    /// Use `validated()` (or `parse(uri:)`) to check.
    public init(trustDomain: String = BatonPrincipal.defaultTrustDomain, kind: Kind) {
        self.trustDomain = trustDomain
        self.kind = kind
    }

    public static func agent(_ identity: AgentIdentity, trustDomain: String = defaultTrustDomain) -> BatonPrincipal {
        BatonPrincipal(trustDomain: trustDomain, kind: .agent(identity))
    }

    public static func coordinator(_ name: String, trustDomain: String = defaultTrustDomain) -> BatonPrincipal {
        BatonPrincipal(trustDomain: trustDomain, kind: .coordinator(name))
    }

    public static func `operator`(
        name: String,
        role: String,
        trustDomain: String = defaultTrustDomain
    ) -> BatonPrincipal {
        BatonPrincipal(trustDomain: trustDomain, kind: .operator(name: name, role: role))
    }

    /// The agent identity, when this principal is an agent.
    public var agentIdentity: AgentIdentity? {
        if case .agent(let identity) = kind { return identity }
        return nil
    }

    /// The coordinator name, when this principal is a coordinator.
    public var coordinatorName: String? {
        if case .coordinator(let name) = kind { return name }
        return nil
    }

    /// The operator name and role, when this principal is an operator.
    public var operatorNameAndRole: (name: String, role: String)? {
        if case .operator(let name, let role) = kind { return (name, role) }
        return nil
    }

    /// The principal's own name (agent, coordinator or operator name).
    public var name: String {
        switch kind {
        case .agent(let identity): return identity.name
        case .coordinator(let name): return name
        case .operator(let name, _): return name
        }
    }

    /// The SPIFFE URI for this principal.
    public func uri() -> String {
        switch kind {
        case .agent(let identity):
            return "spiffe://\(trustDomain)/agent/\(identity.tier.rawValue)/\(identity.name)"
        case .coordinator(let name):
            return "spiffe://\(trustDomain)/coordinator/\(name)"
        case .operator(let name, let role):
            return "spiffe://\(trustDomain)/operator/\(role)/\(name)"
        }
    }

    public var description: String { uri() }

    /// Checks every name in the principal and returns it unchanged.
    @discardableResult
    public func validated() throws(IdentityError) -> BatonPrincipal {
        try Self.validateTrustDomain(trustDomain)
        switch kind {
        case .agent(let identity):
            try Self.validateName(identity.name, field: "agent name")
        case .coordinator(let name):
            try Self.validateName(name, field: "coordinator name")
        case .operator(let name, let role):
            try Self.validateName(role, field: "operator role")
            try Self.validateName(name, field: "operator name")
        }
        return self
    }

    /// Parses a Baton SPIFFE URI.
    public static func parse(uri: String) throws(IdentityError) -> BatonPrincipal {
        let scheme = "spiffe://"
        guard uri.hasPrefix(scheme) else {
            throw .malformedURI(uri: uri, reason: "expected it to start with '\(scheme)'")
        }
        let rest = uri.dropFirst(scheme.count)
        if let bad = rest.first(where: { "?#%@:".contains($0) }) {
            throw .malformedURI(uri: uri, reason: "character '\(bad)' is not allowed in a Baton identity")
        }
        let segments = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let trustDomain = segments[0]
        try validateTrustDomain(trustDomain)
        guard segments.count >= 2 else {
            throw .malformedURI(uri: uri, reason: "no path after the trust domain; expected \(shapes)")
        }
        if let emptyIndex = segments.indices.dropFirst().first(where: { segments[$0].isEmpty }) {
            let reason = emptyIndex == segments.count - 1 ? "trailing '/'" : "empty path segment ('//')"
            throw .malformedURI(uri: uri, reason: reason)
        }
        let path = Array(segments.dropFirst())
        switch path[0] {
        case "agent":
            guard path.count == 3 else {
                throw .malformedURI(uri: uri, reason: "an agent identity must be spiffe://<trust-domain>/agent/<tier>/<name>")
            }
            guard let tier = Tier(rawValue: path[1]) else { throw .unknownTier(path[1]) }
            try validateName(path[2], field: "agent name")
            return .agent(AgentIdentity(tier: tier, name: path[2]), trustDomain: trustDomain)
        case "coordinator":
            guard path.count == 2 else {
                throw .malformedURI(uri: uri, reason: "a coordinator identity must be spiffe://<trust-domain>/coordinator/<name>")
            }
            try validateName(path[1], field: "coordinator name")
            return .coordinator(path[1], trustDomain: trustDomain)
        case "operator":
            guard path.count == 3 else {
                throw .malformedURI(
                    uri: uri,
                    reason: "an operator identity must be spiffe://<trust-domain>/operator/<role>/<name>"
                )
            }
            try validateName(path[1], field: "operator role")
            try validateName(path[2], field: "operator name")
            return .operator(name: path[2], role: path[1], trustDomain: trustDomain)
        default:
            throw .malformedURI(
                uri: uri,
                reason: "unknown principal kind '\(path[0])'; expected agent, coordinator or operator"
            )
        }
    }

    private static let shapes =
        "spiffe://<td>/agent/<tier>/<name>, spiffe://<td>/coordinator/<name> or spiffe://<td>/operator/<role>/<name>"

    /// Whether `name` matches `[a-z0-9][a-z0-9._-]{0,62}`.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 63, isLowerAlnum(first) else { return false }
        return bytes.dropFirst().allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// Whether `domain` is a usable trust domain: 1-255 characters from `[a-z0-9._-]`.
    public static func isValidTrustDomain(_ domain: String) -> Bool {
        let bytes = Array(domain.utf8)
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    static func validateName(_ name: String, field: String) throws(IdentityError) {
        guard isValidName(name) else { throw .invalidName(name, field: field) }
    }

    static func validateTrustDomain(_ domain: String) throws(IdentityError) {
        guard isValidTrustDomain(domain) else { throw .invalidTrustDomain(domain) }
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
