import NIOSSL
import Testing

@testable import AgentRuntime

/// Reconnects wait a random time (full jitter) up to a bound that doubles per failure, capped.
@Suite struct ReconnectBackoffTests {
    struct Counter: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    static let configuration = AgentConfiguration(
        coordinatorHost: "127.0.0.1", coordinatorPort: 7443, serverHostname: nil,
        tls: TLSConfiguration.makeClientConfiguration(), agentVersion: "test", reconnectBackoffMilliseconds: 100,
        reconnectBackoffMaximumMilliseconds: 5_000)

    @Test func theBoundDoublesPerFailureUpToTheMaximumAndDelaysAreSpreadBelowIt() {
        var random = Counter(state: 42)
        for (failures, bound) in [(1, 100), (2, 200), (3, 400), (6, 3_200), (7, 5_000), (40, 5_000)] {
            let delays = (0..<200).map { _ in
                Self.configuration.reconnectDelayMilliseconds(consecutiveFailures: failures, random: &random)
            }
            #expect(delays.allSatisfy { $0 >= 0 && $0 <= Int64(bound) }, "failures \(failures)")
            // Jitter: the delays are spread over the range, not all at the bound.
            #expect(Set(delays).count > 50)
            #expect(delays.max()! > Int64(bound) / 2 && delays.min()! < Int64(bound) / 2)
        }
    }
}
