import BatonProto
import NIOCore

extension NIOAsyncChannelOutboundWriter where OutboundOut == Baton_V1_Envelope {
    /// Writes every envelope from `queue` in order, numbering them 1, 2, 3… (`message_id`), until
    /// the queue finishes. Sessions queue envelopes without waiting; one task per connection sends them.
    public func send(from queue: AsyncStream<Baton_V1_Envelope>) async throws {
        var messageID: UInt64 = 0
        for await var envelope in queue {
            messageID += 1
            envelope.messageID = messageID
            try await write(envelope)
        }
    }
}
