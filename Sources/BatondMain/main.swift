import BatonModel
import ArgumentParser
import BatonAPI
import BatonPolicy
import BatonSpec
import BatonWire
import CoordinatorHTTP
import CoordinatorRuntime
import CoordinatorStoreSQLite
import Foundation
import Logging
import NIOSSL
import ServiceLifecycle
import UnixSignals

/// `batond`: the Baton coordinator.
struct BatondCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batond",
        abstract: "The Baton coordinator: plans playbooks, gates steps on verified postconditions, journals every fact.",
        discussion: """
            Agents dial in on --agent-listen; operators use the HTTPS API on --api-listen. Both require \
            a client certificate from the Baton CA (TLS 1.3 only). Runs are journaled in \
            <data-dir>/baton.sqlite before anything they cause happens; a restart continues unfinished runs.

            Example:
              baton pki ca create --dir pki
              baton pki cert create --dir pki --coordinator main
              batond --data-dir data --ca pki/ca.pem --cert pki/coordinator-main.pem \\
                --key pki/coordinator-main-key.pem --dev-mode
            """,
        version: "0.1.0"
    )

    @Option(help: "Where the journal (baton.sqlite) lives; created if missing.")
    var dataDir: String = "./baton-data"

    @Option(help: "Agent listener, HOST:PORT (port 0 picks a free port).")
    var agentListen: String = "127.0.0.1:7443"

    @Option(help: "Operator HTTPS API, HOST:PORT (port 0 picks a free port).")
    var apiListen: String = "127.0.0.1:8443"

    @Option(help: "The Baton CA certificate (PEM). Env: BATON_CA.")
    var ca: String?

    @Option(help: "The coordinator's certificate (PEM). Env: BATON_COORDINATOR_CERT.")
    var cert: String?

    @Option(help: "The coordinator's private key (PEM). Env: BATON_COORDINATOR_KEY.")
    var key: String?

    @Flag(help: "Accept playbooks uploaded by `baton run start FILE` (development; the catalog is the production path).")
    var devMode: Bool = false

    @Option(
        help: ArgumentHelp(
            "A YAML file granting roles to operators by name (kind: RoleBindings), on top of the role in their certificate. Roles: \(OperatorRole.names).",
            valueName: "file"))
    var roles: String?

    @Option(
        name: .customLong("policy"),
        help: ArgumentHelp(
            "A directory of policy files (*.yaml, kind: Policy) that every plan is checked against at start and every step at its gate (repeatable).",
            valueName: "dir"))
    var policyDirectories: [String] = []

    @Option(help: "Write {\"agentPort\", \"apiPort\", \"epoch\", \"pid\"} as JSON to this file once listening.")
    var readyFile: String?

    @Option(help: "Heartbeat interval agents are asked to keep, in milliseconds.")
    var heartbeatIntervalMs: UInt32 = 5_000

    @Option(help: "An agent not heard from for this long loses its lease: its steps become unknown (default: 3 heartbeats).")
    var leaseTimeoutMs: Int64?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let caPath = ca ?? environment["BATON_CA"] else { throw ValidationError("missing --ca (or BATON_CA)") }
        guard let certPath = cert ?? environment["BATON_COORDINATOR_CERT"] else {
            throw ValidationError("missing --cert (or BATON_COORDINATOR_CERT)")
        }
        guard let keyPath = key ?? environment["BATON_COORDINATOR_KEY"] else {
            throw ValidationError("missing --key (or BATON_COORDINATOR_KEY)")
        }
        let agentHost: String, agentPort: Int, apiHost: String, apiPort: Int
        do {
            (agentHost, agentPort) = try HostPort.parse(agentListen, option: "--agent-listen")
            (apiHost, apiPort) = try HostPort.parse(apiListen, option: "--api-listen")
        } catch {
            throw ValidationError("\(error)")
        }
        let files: (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, roots: [NIOSSLCertificate])
        do {
            files = try TLSFiles(certificatePath: certPath, privateKeyPath: keyPath, caPath: caPath).load()
        } catch {
            throw ValidationError("\(error)")
        }
        let tls = BatonTLS.serverConfiguration(certificateChain: files.chain, privateKey: files.key, trustRoots: files.roots)

        var logger = Logger(label: "batond")
        logger.logLevel = logLevel
        let store = try SQLiteStore(dataDirectory: dataDir)
        let leaseTimeout = leaseTimeoutMs ?? Int64(heartbeatIntervalMs) * 3
        guard leaseTimeout > Int64(heartbeatIntervalMs) else {
            throw ValidationError("--lease-timeout-ms \(leaseTimeout) must be longer than --heartbeat-interval-ms \(heartbeatIntervalMs)")
        }
        let policies = try loadPolicies()
        if !policies.rules.isEmpty { logger.info("\(policies.rules.count) policy rule(s) loaded: \(policies.rules.map(\.id).joined(separator: ", "))") }
        let coordinator = try await Coordinator(
            store: store, leaseTimeoutMilliseconds: leaseTimeout, policies: policies, logger: logger)
        let listener = try await AgentListener(
            configuration: .init(host: agentHost, port: agentPort, tls: tls, heartbeatIntervalMilliseconds: heartbeatIntervalMs),
            coordinator: coordinator, logger: logger)
        logger.info("agent listener on \(agentHost):\(listener.localPort)")

        let readyFile = self.readyFile
        let apiLogger = logger
        let epoch = coordinator.epoch
        let boundAgentPort = listener.localPort
        var apiConfiguration = OperatorAPIConfiguration(host: apiHost, port: apiPort, tls: tls, allowPlaybookUpload: devMode)
        apiConfiguration.roleBindings = try loadRoleBindings()
        let api = try OperatorAPI(
            coordinator: coordinator,
            store: store,
            configuration: apiConfiguration,
            logger: logger,
            onServerRunning: { boundAPIPort in
                apiLogger.info("operator API on https://\(apiHost):\(boundAPIPort)")
                if let readyFile {
                    let json = #"{"agentPort":\#(boundAgentPort),"apiPort":\#(boundAPIPort),"epoch":\#(epoch),"pid":\#(getpid())}"#
                    try? (json + "\n").write(toFile: readyFile, atomically: true, encoding: .utf8)
                }
            })
        let group = ServiceGroup(
            services: [CoordinatorService(coordinator: coordinator), AgentListenerService(listener: listener), api],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

extension BatondCommand {
    /// Every --policy directory's rules; any error stops batond before it listens.
    func loadPolicies() throws -> PolicySet {
        let (set, diagnostics) = PolicySet.load(directories: policyDirectories.map { URL(fileURLWithPath: $0) })
        guard let set else {
            throw ValidationError(
                "--policy \(policyDirectories.joined(separator: ", ")) has errors; batond does not start with a broken policy:\n"
                    + diagnostics.map(\.description).joined(separator: "\n"))
        }
        return set
    }

    /// The `--roles` file, or no bindings. A file with any error stops batond before it listens.
    func loadRoleBindings() throws -> [String: Set<OperatorRole>] {
        guard let roles else { return [:] }
        let text: String
        do {
            text = try String(contentsOfFile: roles, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read --roles \(roles): \(error.localizedDescription)")
        }
        let (bindings, diagnostics) = RoleBindings.load(
            source: text, file: roles, knownRoles: OperatorRole.allCases.map(\.rawValue))
        guard let bindings else {
            throw ValidationError("--roles \(roles) is invalid:\n" + diagnostics.map(\.description).joined(separator: "\n"))
        }
        return bindings.roles.mapValues { Set($0.compactMap(OperatorRole.init(rawValue:))) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// From an async function the asynchronous entry point is chosen (top-level code picks the synchronous one).
func runBatond() async {
    await BatondCommand.main()
}

await runBatond()
