/// What an operator may do. Every role may read (`viewer`); `admin` may do everything.
///
/// An operator's roles are the role in their certificate (`spiffe://<td>/operator/<role>/<name>`), when
/// it names one of these, plus the roles bound to their name in batond's `--roles` file.
public enum OperatorRole: String, CaseIterable, Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Reads runs, agents, the journal, the catalog and the audit log.
    case viewer
    /// Starts runs and drills, completes manual steps.
    case responder
    /// Approves or denies steps that need an approval.
    case approver
    /// Pushes playbook versions to the catalog.
    case author
    /// Publishes, deprecates and retires catalog versions (never their own).
    case publisher
    /// Everything, including overrides and verifying the audit log.
    case admin

    /// Whether holding this role allows what `needed` allows.
    public func grants(_ needed: OperatorRole) -> Bool {
        self == needed || self == .admin || needed == .viewer
    }

    public var description: String { rawValue }

    public static func < (lhs: OperatorRole, rhs: OperatorRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// `viewer, responder, approver, author, publisher, admin`.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension Set where Element == OperatorRole {
    /// Whether any role in the set allows what `needed` allows.
    public func grants(_ needed: OperatorRole) -> Bool { contains { $0.grants(needed) } }

    /// `approver, responder`, sorted.
    public var names: String { sorted().map(\.rawValue).joined(separator: ", ") }
}
