/// A check evaluated on the agent's host, before (`pre`) or after (`post`) a step's action.
/// Every field is already interpolated: no `${{ … }}` remains.
public enum Probe: Hashable, Sendable, Codable, CustomStringConvertible {
    case command(CommandProbe)
    case file(FileProbe)
    case tcp(TCPProbe)
    case http(HTTPProbe)

    public var description: String {
        switch self {
        case .command(let probe): return "command \(probe.argv.joined(separator: " "))"
        case .file(let probe): return "file \(probe.path)"
        case .tcp(let probe): return "tcp \(probe.host):\(probe.port)"
        case .http(let probe): return "http \(probe.url)"
        }
    }
}

/// Runs a command (argv form) and checks its exit code and output.
public struct CommandProbe: Hashable, Sendable, Codable {
    public var argv: [String]
    public var env: [String: String]
    /// Expected exit code; 0 unless written otherwise.
    public var exitCode: Int32
    public var stdoutContains: String?
    /// A regular expression (POSIX extended) that stdout must match.
    public var stdoutMatches: String?
    /// How long the probe command may run, in milliseconds.
    public var timeoutMilliseconds: Int64

    public init(
        argv: [String], env: [String: String] = [:], exitCode: Int32 = 0, stdoutContains: String? = nil,
        stdoutMatches: String? = nil, timeoutMilliseconds: Int64 = 10_000
    ) {
        self.argv = argv
        self.env = env
        self.exitCode = exitCode
        self.stdoutContains = stdoutContains
        self.stdoutMatches = stdoutMatches
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// Checks that a file exists (or is absent) and optionally contains a string.
public struct FileProbe: Hashable, Sendable, Codable {
    public var path: String
    /// `true`: the file must exist; `false`: it must be absent.
    public var exists: Bool
    public var contains: String?

    public init(path: String, exists: Bool = true, contains: String? = nil) {
        self.path = path
        self.exists = exists
        self.contains = contains
    }
}

/// Checks that a TCP port is open (accepts a connection) or closed.
public struct TCPProbe: Hashable, Sendable, Codable {
    public enum ExpectedState: String, Hashable, Sendable, Codable { case open, closed }
    public var host: String
    public var port: Int
    public var state: ExpectedState
    public var timeoutMilliseconds: Int64

    public init(host: String = "127.0.0.1", port: Int, state: ExpectedState = .open, timeoutMilliseconds: Int64 = 2_000) {
        self.host = host
        self.port = port
        self.state = state
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// Sends an HTTP GET and checks the response status.
public struct HTTPProbe: Hashable, Sendable, Codable {
    public var url: String
    public var status: Int
    public var timeoutMilliseconds: Int64

    public init(url: String, status: Int = 200, timeoutMilliseconds: Int64 = 5_000) {
        self.url = url
        self.status = status
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// When a probe was evaluated relative to the step's action.
public enum ProbePhase: String, Hashable, Sendable, Codable {
    case pre
    case post
}

/// What the agent observed when it evaluated one probe.
public struct Evidence: Hashable, Sendable, Codable {
    public var phase: ProbePhase
    /// The probe, described (`file /tmp/x/app.state`).
    public var probe: String
    /// What the probe expected (`contains "drained"`).
    public var expected: String
    /// What the agent saw (`exists, 8 bytes, contains "drained"`).
    public var observed: String
    public var passed: Bool
    public var at: Instant

    public init(phase: ProbePhase, probe: String, expected: String, observed: String, passed: Bool, at: Instant) {
        self.phase = phase
        self.probe = probe
        self.expected = expected
        self.observed = observed
        self.passed = passed
        self.at = at
    }
}
