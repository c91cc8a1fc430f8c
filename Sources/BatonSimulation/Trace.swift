/// The simulation's trace: every line is folded into a hash (the run's fingerprint) and the last
/// few are kept to explain a violation. A sink (set by `--verbose`) sees every line.
public struct Trace {
    public private(set) var hasher = TraceHasher()
    public private(set) var lineCount = 0
    private var ring: [String] = []
    private var nextSlot = 0
    private let capacity: Int
    var sink: ((String) -> Void)?

    public init(capacity: Int = 40, sink: ((String) -> Void)? = nil) {
        self.capacity = capacity
        self.sink = sink
    }

    public mutating func log(_ line: String) {
        hasher.combine(line)
        lineCount += 1
        sink?(line)
        if ring.count < capacity {
            ring.append(line)
        } else {
            ring[nextSlot] = line
            nextSlot = (nextSlot + 1) % capacity
        }
    }

    /// The last lines, oldest first.
    public var tail: [String] {
        ring.count < capacity ? ring : Array(ring[nextSlot...] + ring[..<nextSlot])
    }
}

/// How many faults of each kind were injected.
public struct FaultCounts: Sendable, Hashable, CustomStringConvertible {
    public var drops = 0
    public var duplicates = 0
    public var reorders = 0
    public var delays = 0
    public var partitions = 0
    public var agentCrashes = 0
    public var agentDrains = 0
    public var coordinatorCrashes = 0
    public var midEffectsCrashes = 0

    public init() {}

    public var total: Int {
        drops + duplicates + reorders + delays + partitions + agentCrashes + agentDrains + coordinatorCrashes
            + midEffectsCrashes
    }

    public var description: String {
        "\(total) (drop \(drops), dup \(duplicates), reorder \(reorders), delay \(delays), partition \(partitions), "
            + "agent-crash \(agentCrashes), agent-drain \(agentDrains), coordinator-crash \(coordinatorCrashes), mid-effects-crash \(midEffectsCrashes))"
    }
}
