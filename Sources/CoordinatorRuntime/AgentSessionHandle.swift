import BatonProto
import NIOCore

/// The coordinator's handle on one agent connection: a queue of envelopes to send, drained by
/// the connection's writer task, so that sending never blocks the coordinator.
final class AgentSessionHandle: Sendable {
    let sessionID: String
    private let outbound: AsyncStream<Baton_V1_Envelope>.Continuation
    private let channel: any Channel

    init(sessionID: String, outbound: AsyncStream<Baton_V1_Envelope>.Continuation, channel: any Channel) {
        self.sessionID = sessionID
        self.outbound = outbound
        self.channel = channel
    }

    func send(_ envelope: Baton_V1_Envelope) {
        outbound.yield(envelope)
    }

    func close() {
        outbound.finish()
        channel.close(promise: nil)
    }
}
