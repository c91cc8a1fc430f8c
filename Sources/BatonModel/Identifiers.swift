/// The three kinds of host a playbook step can run on.
public enum Tier: String, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case platform
    case database
    case application

    public var description: String { rawValue }

    public static func < (lhs: Tier, rhs: Tier) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The id of a step inside a playbook (`drain-traffic`).
public struct StepID: RawRepresentable, Hashable, Sendable, Codable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: StepID, rhs: StepID) -> Bool { lhs.rawValue < rhs.rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The id of one run of a playbook (`r-000001-…`). Made by the shell, never by a core.
public struct RunID: RawRepresentable, Hashable, Sendable, Codable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.rawValue < rhs.rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Who an agent is, taken only from its verified certificate
/// (`spiffe://<trust-domain>/agent/<tier>/<name>`).
public struct AgentIdentity: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var tier: Tier
    public var name: String

    public init(tier: Tier, name: String) {
        self.tier = tier
        self.name = name
    }

    public var description: String { "\(tier)/\(name)" }

    public static func < (lhs: AgentIdentity, rhs: AgentIdentity) -> Bool {
        (lhs.tier, lhs.name) < (rhs.tier, rhs.name)
    }
}

/// A point in time as milliseconds since the Unix epoch. Cores receive it inside events.
public struct Instant: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }

    public func adding(milliseconds: Int64) -> Instant {
        Instant(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
    }

    public var description: String { "\(millisecondsSinceEpoch)ms" }

    public init(from decoder: any Decoder) throws {
        millisecondsSinceEpoch = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(millisecondsSinceEpoch)
    }
}
