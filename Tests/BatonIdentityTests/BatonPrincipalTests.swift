import BatonIdentity
import BatonModel
import Testing

@Suite struct BatonPrincipalTests {
    @Test(arguments: [
        "spiffe://baton.local/agent/database/db-01",
        "spiffe://baton.local/agent/platform/k8s_node.3",
        "spiffe://prod.example/coordinator/main",
        "spiffe://baton.local/operator/admin/alice",
    ])
    func uriRoundTrips(uri: String) throws {
        #expect(try BatonPrincipal.parse(uri: uri).uri() == uri)
    }

    @Test func parsesEachKind() throws {
        let agent = try BatonPrincipal.parse(uri: "spiffe://baton.local/agent/application/web-1")
        #expect(agent.trustDomain == "baton.local")
        #expect(agent.kind == .agent(AgentIdentity(tier: .application, name: "web-1")))
        #expect(agent.agentIdentity == AgentIdentity(tier: .application, name: "web-1"))

        let coordinator = try BatonPrincipal.parse(uri: "spiffe://td.example/coordinator/main")
        #expect(coordinator == .coordinator("main", trustDomain: "td.example"))
        #expect(coordinator.coordinatorName == "main")

        let op = try BatonPrincipal.parse(uri: "spiffe://baton.local/operator/approver/bob")
        #expect(op.kind == .operator(name: "bob", role: "approver"))
        #expect(op.operatorNameAndRole?.role == "approver")
        #expect(op.name == "bob")
    }

    /// Each bad URI and words that its error message must contain.
    @Test(arguments: [
        ("spiffe://baton.local/agent/web/db-01", ["unknown tier", "'web'", "platform, database, application"]),
        ("https://baton.local/agent/database/db-01", ["spiffe://", "start with"]),
        ("spiffe://baton.local/agent/database/DB-01", ["invalid agent name", "'DB-01'"]),
        ("spiffe://baton.local/agent/database/-db", ["invalid agent name", "'-db'"]),
        ("spiffe://baton.local/agent/database/" + String(repeating: "a", count: 64), ["invalid agent name"]),
        ("spiffe://baton.local/coordinator/ma in", ["invalid coordinator name", "'ma in'"]),
        ("spiffe://baton.local/operator/Admin/alice", ["invalid operator role", "'Admin'"]),
        ("spiffe://baton.local/robot/r2", ["unknown principal kind", "'robot'"]),
        ("spiffe://baton.local/agent/database", ["agent identity must be", "<tier>/<name>"]),
        ("spiffe://baton.local/coordinator/main/extra", ["coordinator identity must be"]),
        ("spiffe://baton.local/operator/alice", ["operator identity must be", "<role>/<name>"]),
        ("spiffe://baton.local/coordinator/main/", ["trailing '/'"]),
        ("spiffe://baton.local//coordinator/main", ["empty path segment"]),
        ("spiffe://baton.local", ["no path after the trust domain"]),
        ("spiffe:///coordinator/main", ["invalid trust domain", "''"]),
        ("spiffe://Baton.Local/coordinator/main", ["invalid trust domain", "'Baton.Local'"]),
        ("spiffe://baton.local:8443/coordinator/main", ["character ':'"]),
        ("spiffe://baton.local/coordinator/main?x=1", ["character '?'"]),
        ("spiffe://baton.local/coordinator/ma%69n", ["character '%'"]),
    ])
    func rejectsBadURIs(uri: String, expectedWords: [String]) {
        do {
            let principal = try BatonPrincipal.parse(uri: uri)
            Issue.record("parsed \(uri) as \(principal)")
        } catch {
            let message = String(describing: error)
            for word in expectedWords {
                #expect(message.contains(word), "\(message) should mention \(word)")
            }
        }
    }

    @Test func nameRule() {
        #expect(BatonPrincipal.isValidName("a"))
        #expect(BatonPrincipal.isValidName("0db.primary_1-x"))
        #expect(BatonPrincipal.isValidName(String(repeating: "a", count: 63)))
        #expect(!BatonPrincipal.isValidName(""))
        #expect(!BatonPrincipal.isValidName(String(repeating: "a", count: 64)))
        #expect(!BatonPrincipal.isValidName(".hidden"))
        #expect(!BatonPrincipal.isValidName("_x"))
        #expect(!BatonPrincipal.isValidName("é"))
        #expect(!BatonPrincipal.isValidName("a/b"))
    }

    @Test func validatedRejectsBadConstructedPrincipals() {
        #expect(throws: IdentityError.invalidName("Bad", field: "coordinator name")) {
            try BatonPrincipal.coordinator("Bad").validated()
        }
        #expect(throws: IdentityError.invalidTrustDomain("")) {
            try BatonPrincipal.operator(name: "alice", role: "admin", trustDomain: "").validated()
        }
    }
}
