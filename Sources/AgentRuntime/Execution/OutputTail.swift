/// Keeps only the last `capacity` bytes of a stream.
struct OutputTail: Sendable {
    let capacity: Int
    private(set) var bytes: [UInt8] = []
    /// Everything ever appended, including the bytes that were dropped.
    private(set) var totalBytes: Int = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        bytes.reserveCapacity(min(self.capacity, 16 * 1024))
    }

    /// True when bytes were dropped to respect the cap.
    var truncated: Bool { totalBytes > capacity }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        totalBytes += chunk.count
        guard capacity > 0 else { return }
        if chunk.count >= capacity {
            bytes = Array(chunk.suffix(capacity))
            return
        }
        bytes.append(contentsOf: chunk)
        // Trim lazily (at twice the capacity) so appends stay amortised O(1).
        if bytes.count > 2 * capacity { bytes.removeFirst(bytes.count - capacity) }
    }

    /// The last `capacity` bytes as lossy UTF-8. A multi-byte character cut by the cap is dropped
    /// rather than shown as a replacement character.
    var text: String {
        var tail = bytes.count > capacity ? bytes[(bytes.count - capacity)...] : bytes[...]
        if truncated {
            var skipped = 0
            while skipped < 3, let first = tail.first, first & 0b1100_0000 == 0b1000_0000 {
                tail = tail.dropFirst()
                skipped += 1
            }
        }
        return String(decoding: tail, as: UTF8.self)
    }
}

extension OutputTail {
    /// The last `capacity` bytes of `text`, cut like a captured stream.
    static func last(_ capacity: Int, of text: String) -> String {
        guard text.utf8.count > capacity else { return text }
        var tail = OutputTail(capacity: capacity)
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { tail.append(UnsafeRawBufferPointer($0)) }
        return tail.text
    }
}
