import BatonModel
import BatonAPI
import CoordinatorHTTP
import Foundation
import Testing

/// Every route of the operator API against every role, over real HTTPS with real certificates.
/// `OperatorRoute.requiredRole` is an exhaustive switch, so a route without a rule does not compile;
/// this test checks that each rule is enforced as written.
@Suite(.serialized)
struct AuthorizationTests {
    /// The HTTP status `baton api --include` printed.
    static func status(_ output: CommandOutput) -> Int? {
        guard let line = output.stderr.split(separator: "\n").first(where: { $0.hasPrefix("HTTP ") }) else { return nil }
        return Int(line.split(separator: " ")[1])
    }

    /// The route's path with every `{name}` filled with a value that names nothing.
    static func concretePath(_ route: OperatorRoute) -> String {
        route.path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") ? "\(segment.dropFirst().dropLast())-none" : String(segment)
        }.joined(separator: "/")
    }

    @Test("route × role: 403 naming the role needed exactly when none of the operator's roles grants it")
    func matrix() throws {
        let cluster = try Cluster()
        defer { cluster.shutdown() }
        var operators: [(name: String, roles: Set<OperatorRole>)] = OperatorRole.allCases.map { ("op-\($0.rawValue)", [$0]) }
        operators.append(("bound", [.viewer, .approver]))  // viewer in the certificate, approver from --roles
        for (name, roles) in operators {
            try cluster.addOperator(name, role: roles.min()!.rawValue)
        }
        let bindings = cluster.directory + "/roles.yaml"
        try "apiVersion: baton/v1\nkind: RoleBindings\nbindings:\n  bound: [approver]\n".write(
            toFile: bindings, atomically: true, encoding: .utf8)
        try cluster.startCoordinator(extraArguments: ["--roles", bindings])

        var checked = 0
        for route in OperatorAPI.routes {
            let path = Self.concretePath(route)
            for (name, roles) in operators {
                let method = String(route.description.prefix { $0 != " " })
                var arguments = ["api", method, path, "--include"]
                if method == "POST" { arguments += ["--data", "{}"] }
                let output = try cluster.batonAs(name, arguments)
                let status = try #require(Self.status(output), "no status for \(route) as \(name): \(output.stderr)")
                if roles.grants(route.requiredRole) {
                    #expect(status != 403, "\(route) as \(name) (\(roles.names)) was refused: \(output.stdout)")
                } else {
                    #expect(status == 403, "\(route) as \(name) (\(roles.names)) got \(status): \(output.stdout)")
                    #expect(output.stdout.contains("needs the role \(route.requiredRole)"), "\(output.stdout)")
                }
                checked += 1
            }
        }
        #expect(checked == OperatorAPI.routes.count * operators.count)
    }

    @Test("a broken --roles file stops batond before it listens, naming the line and the role")
    func brokenBindings() throws {
        let cluster = try Cluster()
        defer { cluster.shutdown() }
        let bindings = cluster.directory + "/roles.yaml"
        try "apiVersion: baton/v1\nkind: RoleBindings\nbindings:\n  bob: [aprover]\n".write(
            toFile: bindings, atomically: true, encoding: .utf8)
        let output = try Cluster.run(
            Cluster.binary("batond"),
            [
                "--data-dir", cluster.directory + "/data", "--ca", cluster.pki + "/ca.pem", "--cert",
                cluster.pki + "/coordinator-main.pem", "--key", cluster.pki + "/coordinator-main-key.pem",
                "--agent-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0", "--roles", bindings,
            ])
        #expect(output.status != 0)
        #expect(output.stderr.contains("roles.yaml:4:"), "\(output.stderr)")
        #expect(output.stderr.contains("unknown role 'aprover'") && output.stderr.contains("did you mean 'approver'"), "\(output.stderr)")
    }
}
