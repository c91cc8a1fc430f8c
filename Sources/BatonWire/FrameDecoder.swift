import NIOCore

/// Splits the inbound byte stream into frames: a 4-byte big-endian length, then that many bytes.
///
/// The length is checked against `maximumFrameLength` as soon as the 4 prefix bytes arrive,
/// before any buffer is allocated for the body: an oversized prefix throws `WireError.frameTooLarge`,
/// which ends the connection's message stream and so closes the connection.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// 4 MiB unless configured otherwise: far above any real envelope, far below memory trouble.
    public static let defaultMaximumFrameLength = 4 * 1024 * 1024

    public let maximumFrameLength: Int

    public init(maximumFrameLength: Int = FrameDecoder.defaultMaximumFrameLength) {
        self.maximumFrameLength = maximumFrameLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return .needMoreData
        }
        guard length <= maximumFrameLength else {
            throw WireError.frameTooLarge(length: Int(length), maximum: maximumFrameLength)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(length))!
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            throw WireError.truncatedFrame(bufferedBytes: buffer.readableBytes)
        }
        return .needMoreData
    }
}

/// Prefixes each outbound frame with its 4-byte big-endian length.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ByteBuffer

    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        out.reserveCapacity(4 + data.readableBytes)
        out.writeInteger(UInt32(data.readableBytes), endianness: .big)
        out.writeImmutableBuffer(data)
    }
}
