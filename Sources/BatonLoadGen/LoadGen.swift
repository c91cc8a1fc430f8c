import ArgumentParser
import BatonIdentity
import BatonModel
import BatonProto
import BatonWire
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SwiftProtobuf

/// `baton-loadgen`: many simulated agents in one process, for benchmarks.
///
/// Mints one agent certificate per simulated agent in memory from the Baton CA, opens one real
/// mutually authenticated TLS 1.3 session per agent with Baton framing, says Hello, keeps the
/// welcomed heartbeat interval, and answers every Assignment at once with a `verified` Report
/// (evidence: every postcondition passed) WITHOUT running any process, and every ReconcileQuery
/// with NOT_FOUND entries. It measures the coordinator, not the agent's process spawning.
@main
struct LoadGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton-loadgen",
        abstract: "Simulate many Baton agents over real mTLS sessions (benchmarks only: no process is ever run).",
        discussion: """
            Runs until SIGTERM or SIGINT. With --stats-file, writes counters as JSON every 200 ms and on exit.

            Example:
              baton-loadgen --coordinator 127.0.0.1:7443 --ca pki/ca.pem --ca-key pki/ca-key.pem \\
                --agents 1000 --tier application --trust-domain bench.baton --stats-file loadgen.json
            """
    )

    @Option(help: "The coordinator's agent listener, HOST:PORT.")
    var coordinator: String

    @Option(help: "The Baton CA certificate (PEM).")
    var ca: String

    @Option(help: "The Baton CA private key (PEM); used to mint the agents' certificates in memory.")
    var caKey: String

    @Option(help: "How many agents to simulate.")
    var agents: Int = 1000

    @Option(help: "The agents' tier: platform, database or application.")
    var tier: String = "application"

    @Option(help: "The trust domain (must be the CA's).")
    var trustDomain: String

    @Option(help: "Agent names are PREFIX-0 … PREFIX-(N-1).")
    var namePrefix: String = "load"

    @Option(help: "How many sessions may be handshaking at once.")
    var concurrency: Int = 64

    @Option(help: "Write counters as JSON to this file (every 200 ms and on exit).")
    var statsFile: String?

    @Option(help: "The name to verify in the coordinator's certificate (default: its IP address).")
    var serverName: String?

    func validate() throws {
        guard agents > 0 else { throw ValidationError("--agents must be at least 1") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        guard Tier(rawValue: tier) != nil else { throw ValidationError("--tier must be platform, database or application") }
    }

    func run() async throws {
        let (host, port) = try Self.parseAddress(coordinator)
        let agentTier = Tier(rawValue: tier)!
        let caPEM = try String(contentsOfFile: ca, encoding: .utf8)
        let caKeyPEM = try String(contentsOfFile: caKey, encoding: .utf8)
        let authority = try CertificateAuthority(certificatePEM: caPEM, privateKeyPEM: caKeyPEM)
        guard authority.trustDomain == trustDomain else {
            throw ValidationError("the CA's trust domain is \(authority.trustDomain), not \(trustDomain)")
        }
        let roots = try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8))

        let mintStart = ContinuousClock.now
        var contexts: [NIOSSLContext] = []
        contexts.reserveCapacity(agents)
        for index in 0..<agents {
            let identity = AgentIdentity(tier: agentTier, name: "\(namePrefix)-\(index)")
            let credential = try authority.issue(.agent(identity, trustDomain: trustDomain))
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(credential.certificatePEM.utf8))
            let key = try NIOSSLPrivateKey(bytes: Array(credential.privateKeyPEM.utf8), format: .pem)
            let tls = BatonTLS.clientConfiguration(certificateChain: chain, privateKey: key, trustRoots: roots)
            contexts.append(try NIOSSLContext(configuration: tls))
        }
        let mintSeconds = Self.seconds(ContinuousClock.now - mintStart)
        Self.say("minted \(agents) agent certificates in \(String(format: "%.2f", mintSeconds)) s")

        let stats = Stats(agents: agents)
        let writer = statsFile.map { StatsWriter(path: $0, stats: stats) }
        writer?.start()
        Self.installSignalHandlers(stats: stats, writer: writer)

        let group = MultiThreadedEventLoopGroup.singleton
        let serverHostname = serverName
        let connectStart = ContinuousClock.now
        // At most `concurrency` sessions handshaking at once; each slot waits for its Welcome.
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            var next = 0
            func launch() {
                let index = next
                next += 1
                let context = contexts[index]
                tasks.addTask {
                    do {
                        try await Self.connect(
                            group: group, host: host, port: port, context: context, serverHostname: serverHostname,
                            stats: stats)
                    } catch {
                        stats.failed(error)
                    }
                }
            }
            while next < min(concurrency, agents) { launch() }
            while try await tasks.next() != nil {
                if next < agents { launch() }
            }
        }
        let connectSeconds = Self.seconds(ContinuousClock.now - connectStart)
        let snapshot = stats.snapshot()
        Self.say(
            "connected \(snapshot.welcomed)/\(agents) agents in \(String(format: "%.2f", connectSeconds)) s"
                + (snapshot.connectFailures > 0 ? " (\(snapshot.connectFailures) failed: \(snapshot.lastError))" : ""))
        stats.setConnectSeconds(connectSeconds)
        if snapshot.welcomed == agents { Self.say("ALL CONNECTED") }
        writer?.writeNow()
        // Serve until a signal ends the process.
        while true { try await Task.sleep(for: .seconds(3600)) }
    }

    static func connect(
        group: MultiThreadedEventLoopGroup, host: String, port: Int, context: NIOSSLContext, serverHostname: String?,
        stats: Stats
    ) async throws {
        let loop = group.next()
        let welcomed = loop.makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: loop)
            .connectTimeout(.seconds(30))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(WireByteCounter(stats: stats))
                    try sync.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverHostname))
                    try sync.addBatonFraming()
                    try sync.addHandler(SimulatedAgentHandler(stats: stats, welcomed: welcomed))
                }
            }
            .connect(host: host, port: port).get()
        do {
            try await welcomed.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    static func parseAddress(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else { throw ValidationError("--coordinator must be HOST:PORT, got \(text)") }
        return (String(text[..<colon]), port)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data("baton-loadgen: \(line)\n".utf8))
    }

    nonisolated(unsafe) static var signalSources: [any DispatchSourceSignal] = []

    static func installSignalHandlers(stats: Stats, writer: StatsWriter?) {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                writer?.writeNow()
                let snapshot = stats.snapshot()
                say("stopping: \(snapshot.welcomed) welcomed, \(snapshot.assignments) assignments answered")
                Glibc.exit(0)
            }
            source.resume()
            signalSources.append(source)
        }
    }
}

/// Counts TLS record bytes as they cross the socket (first handler in the pipeline).
final class WireByteCounter: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let stats: Stats
    init(stats: Stats) { self.stats = stats }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        stats.addWire(received: unwrapInboundIn(data).readableBytes, sent: 0)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        stats.addWire(received: 0, sent: unwrapOutboundIn(data).readableBytes)
        context.write(data, promise: promise)
    }
}

/// One simulated agent's session: Hello → Welcome, heartbeats, instant verified reports.
final class SimulatedAgentHandler: ChannelInboundHandler {
    typealias InboundIn = Baton_V1_Envelope
    typealias OutboundOut = Baton_V1_Envelope

    let stats: Stats
    let welcomed: EventLoopPromise<Void>
    private var messageID: UInt64 = 0
    private var heartbeat: RepeatedTask?
    private var isWelcomed = false

    init(stats: Stats, welcomed: EventLoopPromise<Void>) {
        self.stats = stats
        self.welcomed = welcomed
    }

    func channelActive(context: ChannelHandlerContext) {
        var hello = Baton_V1_Envelope()
        hello.hello = .with {
            $0.protocolVersion = ProtocolVersion.current
            $0.agentVersion = "baton-loadgen"
            $0.capabilities = ["probe.command", "probe.file", "probe.tcp", "probe.http"]
            $0.labels = ["simulated": "true"]
        }
        send(hello, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        heartbeat?.cancel()
        heartbeat = nil
        if isWelcomed { stats.disconnected() }
        welcomed.fail(LoadGenError("the coordinator closed the session before welcoming it"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        stats.sessionError(error)
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        stats.received(envelope)
        switch envelope.body {
        case .welcome(let welcome):
            guard !isWelcomed else { return }
            isWelcomed = true
            stats.welcome()
            let interval = Int64(max(welcome.heartbeatIntervalMs, 100))
            let channel = context.channel
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            heartbeat = context.eventLoop.scheduleRepeatedTask(
                initialDelay: .milliseconds(Int64.random(in: 1...interval)), delay: .milliseconds(interval)
            ) { _ in
                var beat = Baton_V1_Envelope()
                beat.heartbeat = .with { $0.sentAtMs = Self.nowMilliseconds() }
                handler.value.send(beat, channel: channel)
            }
            welcomed.succeed(())
        case .assignment(let assignment):
            stats.assignment()
            var report = Baton_V1_Envelope()
            report.report = Self.verifiedReport(for: assignment)
            send(report, context: context)
        case .reconcileQuery(let query):
            var reply = Baton_V1_Envelope()
            reply.reconcileReply = .with {
                $0.entries = query.attempts.map { attempt in
                    .with {
                        $0.attempt = attempt
                        $0.state = .notFound
                    }
                }
            }
            send(reply, context: context)
        case .reject(let reject):
            stats.sessionError(LoadGenError("coordinator rejected message \(reject.messageID): \(reject.reason)"))
        default:
            break
        }
    }

    /// What a real agent would report after running the action and finding every postcondition true.
    static func verifiedReport(for assignment: Baton_V1_Assignment) -> Baton_V1_Report {
        let now = nowMilliseconds()
        var report = Baton_V1_Report()
        report.runID = assignment.runID
        report.stepID = assignment.stepID
        report.attempt = assignment.attempt
        report.outcome = .verified
        if assignment.hasAction { report.exitCode = 0 }
        report.startedAtMs = now
        report.finishedAtMs = now
        report.evidence = assignment.pre.map { evidence(for: $0, phase: .pre, at: now) }
            + assignment.post.map { evidence(for: $0, phase: .post, at: now) }
        return report
    }

    static func evidence(for probe: Baton_V1_Probe, phase: Baton_V1_Phase, at now: Int64) -> Baton_V1_Evidence {
        var evidence = Baton_V1_Evidence()
        evidence.phase = phase
        evidence.passed = true
        evidence.atMs = now
        if let model = try? probe.model() {
            evidence.probe = model.description
        }
        switch probe.kind {
        case .command(let command):
            evidence.expected = "exit code \(command.exitCode)"
            evidence.observed = "exit code \(command.exitCode)"
        case .file(let file):
            evidence.expected = file.hasContains ? "contains \"\(file.contains)\"" : (file.exists ? "exists" : "absent")
            evidence.observed = evidence.expected
        case .tcp(let tcp):
            evidence.expected = tcp.expectOpen ? "open" : "closed"
            evidence.observed = evidence.expected
        case .http(let http):
            evidence.expected = "status \(http.status)"
            evidence.observed = evidence.expected
        case .process(let process):
            evidence.expected = process.running ? "running" : "not running"
            evidence.observed = evidence.expected
        case nil:
            break
        }
        return evidence
    }

    private func send(_ envelope: Baton_V1_Envelope, context: ChannelHandlerContext) {
        var envelope = envelope
        messageID += 1
        envelope.messageID = messageID
        stats.sent(envelope)
        context.writeAndFlush(wrapOutboundOut(envelope), promise: nil)
    }

    private func send(_ envelope: Baton_V1_Envelope, channel: any Channel) {
        var envelope = envelope
        messageID += 1
        envelope.messageID = messageID
        stats.sent(envelope)
        channel.writeAndFlush(envelope, promise: nil)
    }

    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

struct LoadGenError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
