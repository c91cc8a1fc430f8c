import BatonSpec
import Yams

/// batond's `--roles` file: roles granted to operators by name, on top of the role in their certificate.
///
/// ```yaml
/// apiVersion: baton/v1
/// kind: RoleBindings
/// bindings:
///   alice: [responder, approver]
///   dana: [publisher]
/// ```
public struct RoleBindings: Hashable, Sendable {
    /// Operator name → role names, each one of `knownRoles`.
    public var roles: [String: Set<String>]

    public init(roles: [String: Set<String>] = [:]) { self.roles = roles }

    /// Parses the file; every role must be one of `knownRoles` (else `unknown-role`, with a suggestion).
    public static func load(source: String, file: String, knownRoles: [String]) -> (RoleBindings?, [Diagnostic]) {
        let reader = PolicyReader(file: file)
        guard let root = reader.compose(source, what: "role bindings file", body: "bindings"),
            let top = reader.fields(
                root, in: "the role bindings file", allowed: ["apiVersion", "kind", "bindings"],
                required: ["apiVersion", "kind", "bindings"])
        else { return (nil, reader.diagnostics) }
        for (key, expected) in [("apiVersion", "baton/v1"), ("kind", "RoleBindings")] {
            if let node = top[key], let value = reader.string(node, key), value != expected {
                reader.error("bad-value", "\(key) must be '\(expected)', not '\(value)'", at: node)
            }
        }
        var result = RoleBindings()
        if let node = top["bindings"] {
            guard case .mapping(let mapping) = node else {
                reader.error("type-mismatch", "bindings must map operator names to role lists", at: node)
                return (nil, reader.diagnostics)
            }
            for (key, value) in mapping {
                guard let name = reader.nonEmptyString(key, "an operator name") else { continue }
                guard let list = reader.stringList(value, "the roles of '\(name)'") else { continue }
                if list.isEmpty { reader.error("missing-value", "'\(name)' is bound to no role", at: key) }
                for role in list where !knownRoles.contains(role) {
                    reader.error(
                        "unknown-role",
                        "unknown role '\(role)' for '\(name)'\(reader.didYouMean(role, in: knownRoles)); roles: "
                            + knownRoles.joined(separator: ", "), at: value)
                }
                result.roles[name, default: []].formUnion(list.filter(knownRoles.contains))
            }
        }
        let diagnostics = reader.diagnostics
        return (diagnostics.containsErrors ? nil : result, diagnostics)
    }
}
