import BatonProto
import NIOCore
import SwiftProtobuf

/// Decodes each inbound frame into an `Envelope`; encodes each outbound `Envelope` into a frame.
/// A frame that is not a valid envelope, or an envelope with no body, closes the connection.
public final class EnvelopeCodec: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = Baton_V1_Envelope
    public typealias OutboundIn = Baton_V1_Envelope
    public typealias OutboundOut = ByteBuffer

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        do {
            let envelope = try Baton_V1_Envelope(serializedBytes: Array(frame.readableBytesView))
            guard envelope.body != nil else { throw WireError.emptyEnvelope }
            context.fireChannelRead(wrapInboundOut(envelope))
        } catch let error as WireError {
            context.fireErrorCaught(error)
            context.close(promise: nil)
        } catch {
            context.fireErrorCaught(WireError.malformedEnvelope("\(error)"))
            context.close(promise: nil)
        }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let envelope = unwrapOutboundIn(data)
        do {
            let bytes: [UInt8] = try envelope.serializedBytes()
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.write(wrapOutboundOut(buffer), promise: promise)
        } catch {
            promise?.fail(error)
        }
    }
}

@available(*, unavailable)
extension EnvelopeCodec: Sendable {}

extension ChannelPipeline.SynchronousOperations {
    /// Adds Baton's framing and envelope codec. Call after the TLS handler.
    public func addBatonFraming(maximumFrameLength: Int = FrameDecoder.defaultMaximumFrameLength) throws {
        try addHandler(ByteToMessageHandler(FrameDecoder(maximumFrameLength: maximumFrameLength)))
        try addHandler(MessageToByteHandler(FrameEncoder()))
        try addHandler(EnvelopeCodec())
    }
}
