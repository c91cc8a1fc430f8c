/// A check evaluated on the agent's host, before (`pre`) or after (`post`) a step's action.
/// Every field is already interpolated: no `${{ … }}` remains.
public enum Probe: Hashable, Sendable, Codable, CustomStringConvertible {
    case command(CommandProbe)
    case file(FileProbe)
    case tcp(TCPProbe)
    case http(HTTPProbe)
    case process(ProcessProbe)

    public var description: String {
        switch self {
        case .command(let probe): return "command \(probe.argv.joined(separator: " "))"
        case .file(let probe): return "file \(probe.path)"
        case .tcp(let probe): return "tcp \(probe.host):\(probe.port)"
        case .http(let probe): return "http \(probe.url)"
        case .process(let probe): return "process \(probe.target)"
        }
    }

    /// Every text field of the probe (where output placeholders may appear).
    public var strings: [String] {
        var found: [String] = []
        _ = mapStrings { found.append($0); return $0 }
        return found
    }

    /// The probe with `transform` applied to every text field (not to numbers, modes or regex flags).
    public func mapStrings(_ transform: (String) -> String) -> Probe {
        func json(_ check: JSONFieldCheck?) -> JSONFieldCheck? {
            check.map { JSONFieldCheck(path: $0.path, equals: transform($0.equals)) }
        }
        switch self {
        case .command(var probe):
            probe.argv = probe.argv.map(transform)
            probe.env = probe.env.mapValues(transform)
            probe.stdoutContains = probe.stdoutContains.map(transform)
            probe.stdoutMatches = probe.stdoutMatches.map(transform)
            probe.stderrContains = probe.stderrContains.map(transform)
            probe.stdoutEquals = probe.stdoutEquals.map(transform)
            probe.json = json(probe.json)
            return .command(probe)
        case .file(var probe):
            probe.path = transform(probe.path)
            probe.contains = probe.contains.map(transform)
            probe.owner = probe.owner.map(transform)
            return .file(probe)
        case .tcp(var probe):
            probe.host = transform(probe.host)
            return .tcp(probe)
        case .http(var probe):
            probe.url = transform(probe.url)
            probe.bodyContains = probe.bodyContains.map(transform)
            probe.json = json(probe.json)
            probe.caFile = probe.caFile.map(transform)
            return .http(probe)
        case .process(var probe):
            switch probe.target {
            case .name(let name): probe.target = .name(transform(name))
            case .pidfile(let path): probe.target = .pidfile(transform(path))
            }
            return .process(probe)
        }
    }

    /// How long to keep re-evaluating the probe until it passes; nil: evaluate once.
    public var retry: ProbeRetry? {
        switch self {
        case .command(let probe): return probe.retry
        case .file(let probe): return probe.retry
        case .tcp(let probe): return probe.retry
        case .http(let probe): return probe.retry
        case .process(let probe): return probe.retry
        }
    }
}

/// `retry_for` / `retry_interval`: the agent re-evaluates a failing probe every `intervalMilliseconds`
/// until it passes or `forMilliseconds` have passed.
public struct ProbeRetry: Hashable, Sendable, Codable {
    public static let defaultIntervalMilliseconds: Int64 = 500
    public var forMilliseconds: Int64
    public var intervalMilliseconds: Int64

    public init(forMilliseconds: Int64, intervalMilliseconds: Int64 = ProbeRetry.defaultIntervalMilliseconds) {
        self.forMilliseconds = forMilliseconds
        self.intervalMilliseconds = intervalMilliseconds
    }
}

/// `json: {path: a.b.0.c, equals: value}`: a field of a JSON document whose string form must equal `equals`.
/// The path is dot-separated; a numeric segment indexes an array.
public struct JSONFieldCheck: Hashable, Sendable, Codable {
    public var path: String
    public var equals: String

    public init(path: String, equals: String) {
        self.path = path
        self.equals = equals
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
    public var stderrContains: String?
    /// Stdout must equal this exactly, after one trailing newline is removed.
    public var stdoutEquals: String?
    /// A field of stdout parsed as JSON.
    public var json: JSONFieldCheck?
    public var retry: ProbeRetry?

    public init(
        argv: [String], env: [String: String] = [:], exitCode: Int32 = 0, stdoutContains: String? = nil,
        stdoutMatches: String? = nil, timeoutMilliseconds: Int64 = 10_000, stderrContains: String? = nil,
        stdoutEquals: String? = nil, json: JSONFieldCheck? = nil, retry: ProbeRetry? = nil
    ) {
        self.stderrContains = stderrContains
        self.stdoutEquals = stdoutEquals
        self.json = json
        self.retry = retry
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
    /// Permission bits (`0o644`) the file must have.
    public var mode: UInt32?
    /// A user name or numeric uid that must own the file.
    public var owner: String?
    /// The file must have been modified within this many milliseconds.
    public var maxAgeMilliseconds: Int64?
    public var retry: ProbeRetry?

    public init(
        path: String, exists: Bool = true, contains: String? = nil, mode: UInt32? = nil, owner: String? = nil,
        maxAgeMilliseconds: Int64? = nil, retry: ProbeRetry? = nil
    ) {
        self.mode = mode
        self.owner = owner
        self.maxAgeMilliseconds = maxAgeMilliseconds
        self.retry = retry
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
    public var retry: ProbeRetry?

    public init(
        host: String = "127.0.0.1", port: Int, state: ExpectedState = .open, timeoutMilliseconds: Int64 = 2_000,
        retry: ProbeRetry? = nil
    ) {
        self.retry = retry
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
    public var bodyContains: String?
    /// A field of the response body parsed as JSON.
    public var json: JSONFieldCheck?
    public var retry: ProbeRetry?
    /// For `https://` URLs: a PEM file of the CA that must have signed the server's certificate
    /// (nil: the system's trust roots).
    public var caFile: String?

    public init(
        url: String, status: Int = 200, timeoutMilliseconds: Int64 = 5_000, bodyContains: String? = nil,
        json: JSONFieldCheck? = nil, retry: ProbeRetry? = nil, caFile: String? = nil
    ) {
        self.caFile = caFile
        self.bodyContains = bodyContains
        self.json = json
        self.retry = retry
        self.url = url
        self.status = status
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// Checks that a process is running (or not): by name (`/proc/PID/comm`) or by the pid in a pidfile.
public struct ProcessProbe: Hashable, Sendable, Codable {
    public enum Target: Hashable, Sendable, Codable, CustomStringConvertible {
        case name(String)
        case pidfile(String)

        public var description: String {
            switch self {
            case .name(let name): return "name \(name)"
            case .pidfile(let path): return "pidfile \(path)"
            }
        }
    }
    public var target: Target
    /// `true`: the process must be running; `false`: it must not be.
    public var running: Bool
    public var retry: ProbeRetry?

    public init(target: Target, running: Bool = true, retry: ProbeRetry? = nil) {
        self.target = target
        self.running = running
        self.retry = retry
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
