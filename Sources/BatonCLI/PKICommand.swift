import ArgumentParser
import BatonIdentity
import BatonModel
import Foundation

/// `baton pki`: create the certificate authority and the certificates that agents, coordinators and
/// operators use for mutually authenticated TLS.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Create the Baton certificate authority and identity certificates.",
        discussion: """
            Every Baton process authenticates with a certificate whose only identity is a SPIFFE URI:
              spiffe://<trust-domain>/agent/<tier>/<name>
              spiffe://<trust-domain>/coordinator/<name>
              spiffe://<trust-domain>/operator/<role>/<name>
            Private keys are written with mode 0600; existing files are never replaced without --force.

            Example:
              baton pki ca create --dir ./baton-pki --trust-domain baton.local
              baton pki cert create --coordinator main --dns batond.internal
              baton pki cert create --agent db-01 --tier database
              baton pki cert create --operator alice --role responder --format json
            """,
        subcommands: [CA.self, Cert.self]
    )

    /// How the create commands report what they wrote.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    /// The JSON printed by `--format json`.
    struct Report: Encodable {
        var certificate: String
        var key: String
        var identity: String
    }

    static func report(_ written: WrittenCredential, identity: String, format: OutputFormat) throws {
        switch format {
        case .text:
            print("Wrote certificate: \(written.certificatePath)")
            print("Wrote private key: \(written.keyPath) (mode 0600)")
            print("Identity: \(identity)")
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(Report(certificate: written.certificatePath, key: written.keyPath, identity: identity))
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

extension PKICommand {
    struct CA: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ca",
            abstract: "Manage the certificate authority.",
            subcommands: [Create.self]
        )

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "create",
                abstract: "Create a new self-signed certificate authority (ca.pem, ca-key.pem).",
                discussion: """
                    The CA is a P-256 ECDSA key with a self-signed certificate valid for ten years. Its trust \
                    domain is recorded in the certificate (URI SAN spiffe://<trust-domain>) and is used for every \
                    certificate it issues. Keep ca-key.pem offline or at least private: anyone holding it can \
                    mint identities.

                    Example:
                      baton pki ca create --dir ./baton-pki --trust-domain prod.example
                    """
            )

            @Option(help: "Directory for the PKI files.")
            var dir: String = PKIDirectory.defaultPath

            @Option(help: "Trust domain of every identity this CA issues ([a-z0-9._-]).")
            var trustDomain: String = BatonPrincipal.defaultTrustDomain

            @Option(help: "Validity of the CA certificate in days.")
            var days: Int = 3650

            @Flag(help: "Replace existing ca.pem / ca-key.pem.")
            var force = false

            @Option(help: "Output format.")
            var format: OutputFormat = .text

            func validate() throws {
                guard BatonPrincipal.isValidTrustDomain(trustDomain) else {
                    throw ValidationError("invalid --trust-domain '\(trustDomain)': use 1-255 characters from [a-z0-9._-]")
                }
                guard days > 0 else { throw ValidationError("--days must be positive") }
            }

            func run() throws {
                let directory = PKIDirectory(path: dir)
                let credential = try CertificateAuthority.create(trustDomain: trustDomain, validityDays: days)
                let written = try directory.writeCA(credential, force: force)
                try PKICommand.report(written, identity: "spiffe://\(trustDomain)", format: format)
            }
        }
    }

    struct Cert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cert",
            abstract: "Manage identity certificates.",
            subcommands: [Create.self]
        )

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "create",
                abstract: "Issue a certificate for an agent, a coordinator or an operator.",
                discussion: """
                    Give exactly one of --agent (with --tier), --coordinator (optionally with --dns/--ip) or \
                    --operator (with --role). The certificate is signed by the CA in --dir and carries the \
                    identity as a SPIFFE URI. Coordinator certificates are also TLS server certificates; \
                    without --dns/--ip they are valid for localhost and 127.0.0.1.

                    Tiers: \(Tier.allCases.map(\.rawValue).joined(separator: ", ")).
                    Roles: \(BatonPrincipal.operatorRoles.joined(separator: ", ")).

                    Examples:
                      baton pki cert create --agent db-01 --tier database
                      baton pki cert create --coordinator main --dns batond.internal --ip 10.0.0.5
                      baton pki cert create --operator alice --role approver --format json
                    """
            )

            @Option(help: "Directory holding ca.pem / ca-key.pem; the certificate is written there too.")
            var dir: String = PKIDirectory.defaultPath

            @Option(help: ArgumentHelp("Issue an agent certificate with this name.", valueName: "name"))
            var agent: String?

            @Option(help: ArgumentHelp("The agent's tier: platform, database or application.", valueName: "tier"))
            var tier: String?

            @Option(help: ArgumentHelp("Issue a coordinator certificate with this name.", valueName: "name"))
            var coordinator: String?

            @Option(help: ArgumentHelp("A DNS name the coordinator serves (repeatable).", valueName: "name"))
            var dns: [String] = []

            @Option(help: ArgumentHelp("An IP address the coordinator serves (repeatable).", valueName: "address"))
            var ip: [String] = []

            @Option(help: ArgumentHelp("Issue an operator certificate with this name.", valueName: "name"))
            var `operator`: String?

            @Option(help: ArgumentHelp("The operator's role.", valueName: "role"))
            var role: String?

            @Option(help: "Validity in days (default 397).")
            var days: Int?

            @Flag(help: "Replace existing certificate and key files.")
            var force = false

            @Option(help: "Output format.")
            var format: OutputFormat = .text

            func validate() throws {
                let given = [("--agent", agent), ("--coordinator", coordinator), ("--operator", `operator`)]
                    .filter { $0.1 != nil }.map(\.0)
                guard given.count == 1 else {
                    if given.isEmpty {
                        throw ValidationError("give exactly one of --agent, --coordinator or --operator")
                    }
                    throw ValidationError("give exactly one of --agent, --coordinator or --operator, not \(given.joined(separator: " and "))")
                }
                if tier != nil, agent == nil { throw ValidationError("--tier is only valid with --agent") }
                if role != nil, `operator` == nil { throw ValidationError("--role is only valid with --operator") }
                if coordinator == nil, !dns.isEmpty || !ip.isEmpty {
                    throw ValidationError("--dns and --ip are only valid with --coordinator")
                }
                if agent != nil, tier == nil { throw ValidationError("--agent needs --tier (platform, database or application)") }
                if `operator` != nil, role == nil {
                    throw ValidationError("--operator needs --role (\(BatonPrincipal.operatorRoles.joined(separator: ", ")))")
                }
                if let role, !BatonPrincipal.operatorRoles.contains(role) {
                    throw ValidationError("unknown role '\(role)': expected one of \(BatonPrincipal.operatorRoles.joined(separator: ", "))")
                }
                if let days, days <= 0 { throw ValidationError("--days must be positive") }
                do {
                    try principal(trustDomain: BatonPrincipal.defaultTrustDomain).validated()
                } catch {
                    throw ValidationError("\(error)")
                }
            }

            /// The requested principal; `validate()` has checked the option combination.
            func principal(trustDomain: String) throws -> BatonPrincipal {
                if let agent, let tier {
                    guard let parsed = Tier(rawValue: tier) else { throw IdentityError.unknownTier(tier) }
                    return .agent(AgentIdentity(tier: parsed, name: agent), trustDomain: trustDomain)
                }
                if let coordinator {
                    return .coordinator(coordinator, trustDomain: trustDomain)
                }
                if let name = `operator`, let role {
                    return .operator(name: name, role: role, trustDomain: trustDomain)
                }
                throw ValidationError("give exactly one of --agent, --coordinator or --operator")
            }

            func run() throws {
                let directory = PKIDirectory(path: dir)
                let authority = try directory.loadCA()
                let principal = try principal(trustDomain: authority.trustDomain)
                let credential = try authority.issue(
                    principal,
                    dnsNames: dns,
                    ipAddresses: ip,
                    validityDays: days ?? 397
                )
                let written = try directory.write(credential, for: principal, force: force)
                try PKICommand.report(written, identity: principal.uri(), format: format)
            }
        }
    }
}
