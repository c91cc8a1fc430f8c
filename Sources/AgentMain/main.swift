import AgentRuntime
import ArgumentParser
import BatonWire
import Logging
import NIOSSL
import ServiceLifecycle
import UnixSignals
import Foundation

/// `baton-agent`: runs on a platform, database or application host and dials out to `batond`.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton-agent",
        abstract: "Run Baton steps on this host for the coordinator.",
        discussion: """
            The agent dials out to the coordinator over mutual TLS (no inbound port). Its name and \
            tier come only from its certificate (spiffe://<trust-domain>/agent/<tier>/<name>); make one \
            with `baton pki cert create --agent NAME --tier TIER`.

            Example:
              baton-agent --coordinator 127.0.0.1:7443 --ca pki/ca.pem \\
                --cert pki/agent-database-db-1.pem --key pki/agent-database-db-1-key.pem
            """,
        version: AgentVersion.current
    )

    @Option(help: "The coordinator's agent listener, HOST:PORT.")
    var coordinator: String = "127.0.0.1:7443"

    @Option(help: "The name in the coordinator's certificate to verify (default: the host in --coordinator).")
    var serverName: String?

    @Option(help: "The Baton CA certificate (PEM). Env: BATON_CA.")
    var ca: String?

    @Option(help: "This agent's certificate (PEM). Env: BATON_AGENT_CERT.")
    var cert: String?

    @Option(help: "This agent's private key (PEM). Env: BATON_AGENT_KEY.")
    var key: String?

    @Option(help: "Where the agent keeps its journal of accepted and finished attempts (survives restarts).")
    var stateDir: String = "./baton-agent-state"

    @Option(help: "On SIGTERM, how long steps in flight may run on before they are abandoned (killed, reported unknown).")
    var drainTimeoutMs: Int64 = 10_000

    @Option(
        help: "When a step is cancelled (run aborted) or times out, how long its process group has between SIGTERM and SIGKILL, in milliseconds.")
    var killGraceMs: Int64 = 5_000

    @Option(help: "Longest wait between reconnect attempts, in milliseconds (exponential backoff with full jitter up to this).")
    var reconnectMaxMs: Int64 = 5_000

    @Option(name: .customLong("label"), help: "A label KEY=VALUE sent to the coordinator (repeatable).")
    var labels: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let caPath = ca ?? environment["BATON_CA"] else { throw ValidationError("missing --ca (or BATON_CA)") }
        guard let certPath = cert ?? environment["BATON_AGENT_CERT"] else {
            throw ValidationError("missing --cert (or BATON_AGENT_CERT)")
        }
        guard let keyPath = key ?? environment["BATON_AGENT_KEY"] else {
            throw ValidationError("missing --key (or BATON_AGENT_KEY)")
        }
        guard (0...3_600_000).contains(killGraceMs) else {
            throw ValidationError("--kill-grace-ms \(killGraceMs): expected 0 to 3600000 milliseconds")
        }
        let (host, port): (String, Int)
        do { (host, port) = try HostPort.parse(coordinator, option: "--coordinator") } catch { throw ValidationError("\(error)") }
        var labelMap: [String: String] = [:]
        for label in labels {
            guard let equals = label.firstIndex(of: "="), equals != label.startIndex else {
                throw ValidationError("--label \(label): expected KEY=VALUE")
            }
            labelMap[String(label[..<equals])] = String(label[label.index(after: equals)...])
        }
        let files: (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, roots: [NIOSSLCertificate])
        do {
            files = try TLSFiles(certificatePath: certPath, privateKeyPath: keyPath, caPath: caPath).load()
        } catch {
            throw ValidationError("\(error)")
        }
        let tls = BatonTLS.clientConfiguration(certificateChain: files.chain, privateKey: files.key, trustRoots: files.roots)
        let isIPAddress = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
        let configuration = AgentConfiguration(
            coordinatorHost: host, coordinatorPort: port, serverHostname: serverName ?? (isIPAddress ? nil : host),
            tls: tls, agentVersion: AgentVersion.current, labels: labelMap,
            reconnectBackoffMaximumMilliseconds: reconnectMaxMs, stateDirectory: stateDir, killGraceMilliseconds: killGraceMs)

        DescriptorHygiene.closeInheritedDescriptorsOnExec()
        var logger = Logger(label: "baton-agent")
        logger.logLevel = logLevel
        let runtime: AgentRuntime
        do {
            runtime = try AgentRuntime(configuration: configuration, logger: logger)
        } catch {
            throw ValidationError("cannot open the agent journal in \(stateDir): \(error)")
        }
        let group = ServiceGroup(
            services: [AgentService(runtime: runtime, drainTimeoutMilliseconds: drainTimeoutMs)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// Descriptors the agent inherited (from a supervisor, a shell, a test harness) must not leak
/// into the actions it runs: an action holding its parent's pipe can keep that parent waiting
/// for as long as the action lives. Everything above stderr is marked close-on-exec at start.
enum DescriptorHygiene {
    static func closeInheritedDescriptorsOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for entry in entries {
            guard let descriptor = Int32(entry), descriptor > 2 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}

enum AgentVersion {
    static let current = "0.1.0"
}

/// Runs the agent until a graceful shutdown (SIGTERM/SIGINT) is requested.
struct AgentService: Service {
    let runtime: AgentRuntime
    let drainTimeoutMilliseconds: Int64

    func run() async throws {
        await withGracefulShutdownHandler {
            await runtime.run()
        } onGracefulShutdown: {
            Task { await runtime.drain(timeoutMilliseconds: drainTimeoutMilliseconds) }
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// From an async function the asynchronous entry point is chosen (top-level code picks the synchronous one).
func runAgent() async {
    await AgentCommand.main()
}

await runAgent()
