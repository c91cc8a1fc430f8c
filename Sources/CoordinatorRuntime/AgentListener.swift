import BatonIdentity
import BatonModel
import BatonProto
import SwiftProtobuf
import BatonWire
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Accepts agent connections: TLS 1.3 with a required client certificate from the Baton CA,
/// then Baton frames. The agent's identity is read from its certificate, never from a message.
public final class AgentListener: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var tls: TLSConfiguration
        /// How often agents send heartbeats.
        public var heartbeatIntervalMilliseconds: UInt32
        public var maximumFrameLength: Int

        public init(
            host: String, port: Int, tls: TLSConfiguration, heartbeatIntervalMilliseconds: UInt32 = 5_000,
            maximumFrameLength: Int = FrameDecoder.defaultMaximumFrameLength
        ) {
            self.host = host
            self.port = port
            self.tls = tls
            self.heartbeatIntervalMilliseconds = heartbeatIntervalMilliseconds
            self.maximumFrameLength = maximumFrameLength
        }
    }

    typealias Connection = NIOAsyncChannel<Baton_V1_Envelope, Baton_V1_Envelope>

    private let configuration: Configuration
    private let coordinator: Coordinator
    private let logger: Logger
    private let server: NIOAsyncChannel<Connection, Never>

    /// The address the listener is bound to (port 0 in the configuration picks a free port).
    public var localPort: Int { server.channel.localAddress?.port ?? configuration.port }

    /// Binds the listening socket. Connections are served by `run()`.
    public init(configuration: Configuration, coordinator: Coordinator, logger: Logger) async throws {
        self.configuration = configuration
        self.coordinator = coordinator
        self.logger = logger
        let sslContext = try NIOSSLContext(configuration: configuration.tls)
        let maximumFrameLength = configuration.maximumFrameLength
        server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    try channel.pipeline.syncOperations.addBatonFraming(maximumFrameLength: maximumFrameLength)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Serves connections until the task is cancelled.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    public func close() async {
        try? await server.channel.close()
    }

    private func serve(_ connection: Connection) async {
        let address = connection.channel.remoteAddress?.description ?? "unknown"
        do {
            try await connection.executeThenClose { inbound, outbound in
                var messages = inbound.makeAsyncIterator()
                do {
                    guard let first = try await messages.next() else { return }
                    guard case .hello(let hello)? = first.body else {
                        throw SessionError("the first message must be hello, got \(first.body.map { "\($0)" } ?? "nothing")")
                    }
                    guard hello.protocolVersion == ProtocolVersion.current else {
                        throw WireError.unsupportedProtocolVersion(hello.protocolVersion)
                    }
                    let agent = try await self.peerAgent(connection.channel)
                    let sessionID = UUID().uuidString.lowercased()
                    let (queue, queueInput) = AsyncStream.makeStream(of: Baton_V1_Envelope.self)
                    let session = AgentSessionHandle(sessionID: sessionID, outbound: queueInput, channel: connection.channel)
                    var welcome = Baton_V1_Envelope()
                    welcome.welcome = .with {
                        $0.protocolVersion = ProtocolVersion.current
                        $0.sessionID = sessionID
                        $0.coordinatorEpoch = self.coordinator.epoch
                        $0.heartbeatIntervalMs = self.configuration.heartbeatIntervalMilliseconds
                        $0.agentName = agent.name
                        $0.tier = agent.tier.rawValue
                    }
                    try await outbound.write(welcome)
                    self.logger.info("agent \(agent) connected from \(address), session \(sessionID)")
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await outbound.send(from: queue) }
                        try await self.coordinator.agentConnected(
                            agent, session: session, address: address, agentVersion: hello.agentVersion,
                            labels: hello.labels)
                        defer { session.close() }
                        for report in hello.unacknowledgedReports {
                            try await self.coordinator.reportReceived(try report.model(), from: agent)
                        }
                        do {
                            while let envelope = try await messages.next() {
                                try await self.handle(envelope, from: agent)
                            }
                        } catch {
                            await self.coordinator.agentDisconnected(agent, session: session)
                            throw error
                        }
                        await self.coordinator.agentDisconnected(agent, session: session)
                        self.logger.info("agent \(agent) disconnected")
                        group.cancelAll()
                    }
                } catch let error as ChannelError where error == .ioOnClosedChannel {
                    // The channel was closed under us (a decoding error closes it): report the cause.
                    while try await messages.next() != nil {}
                    throw error
                }
            }
        } catch {
            logger.notice("connection from \(address) closed: \(error)")
        }
    }

    private func handle(_ envelope: Baton_V1_Envelope, from agent: AgentIdentity) async throws {
        switch envelope.body {
        case .report(let report):
            try await coordinator.reportReceived(try report.model(), from: agent)
        case .reconcileReply(let reply):
            var states: [AttemptKey: AttemptState] = [:]
            for entry in reply.entries {
                let (key, state) = try entry.model()
                states[key] = state
            }
            try await coordinator.reconciled(agent, states)
        case .heartbeat, .ack, .reject:
            try await coordinator.agentHeard(agent)
        case .hello, .welcome, .assignment, .cancel, .reconcileQuery:
            throw SessionError("unexpected \(envelope.body.map { "\($0)" } ?? "message") from an agent in session")
        case nil:
            throw WireError.emptyEnvelope
        }
    }

    /// Reads the verified client certificate and maps it to an agent identity.
    private func peerAgent(_ channel: any Channel) async throws -> AgentIdentity {
        let der = try await channel.eventLoop.submit { () -> [UInt8]? in
            try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate?.toDERBytes()
        }.get()
        guard let der else { throw SessionError("no client certificate") }
        let principal = try PeerIdentity.principal(fromDER: der)
        guard let agent = principal.agentIdentity else {
            throw SessionError("certificate identity \(principal.uri()) is not an agent")
        }
        return agent
    }
}

struct SessionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
