/// A small seeded pseudo-random generator (SplitMix64). Every random choice the simulator makes
/// comes from one of these, so a seed determines the whole run.
public struct SimRandom: Sendable, Hashable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A new generator seeded from this one: a separate stream for one concern.
    public mutating func fork() -> SimRandom { SimRandom(seed: next()) }

    /// Uniform in `0..<bound` (bound > 0), without modulo bias.
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "below(0)")
        let threshold = (0 &- bound) % bound
        while true {
            let product = next().multipliedFullWidth(by: bound)
            if product.low >= threshold { return product.high }
        }
    }

    /// Uniform in the closed range.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(below(span))
    }

    /// Uniform in the closed range.
    public mutating func int64(_ range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int64(below(span))
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// True with probability `probability`. Draws nothing when the probability is 0 or less,
    /// so turning a fault off does not shift the rest of the stream.
    public mutating func chance(_ probability: Double) -> Bool {
        guard probability > 0 else { return false }
        return unit() < probability
    }

    /// One element of a non-empty array.
    public mutating func pick<Element>(_ elements: [Element]) -> Element {
        elements[Int(below(UInt64(elements.count)))]
    }
}

/// 64-bit FNV-1a: the trace fingerprint (same seed, same trace, same hash).
public struct TraceHasher: Sendable, Hashable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func combine(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
        value ^= 0x0A
        value &*= 0x0000_0100_0000_01B3
    }

    /// The hash as 16 hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
