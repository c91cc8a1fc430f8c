import Foundation
import Testing

/// Runs real Baton processes (batond, baton-agent, baton) built by `swift build`, with a PKI made
/// by `baton pki` in a temporary directory. Every process it starts is stopped in `shutdown()`.
final class Cluster: @unchecked Sendable {
    static let binDirectory: String = {
        if let dir = ProcessInfo.processInfo.environment["BATON_BIN_DIR"] { return dir }
        // Tests/IntegrationTests/Harness.swift -> <package>/.build/debug
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug").path
    }()

    static func binary(_ name: String) -> String { binDirectory + "/" + name }

    let directory: String
    var pki: String { directory + "/pki" }
    private(set) var agentPort = 0
    private(set) var apiPort = 0
    private var coordinator: Process?
    private var agents: [String: Process] = [:]
    private let lock = NSLock()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-it-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try baton(["pki", "ca", "create", "--dir", pki, "--trust-domain", "test.baton"]).check()
        try baton(["pki", "cert", "create", "--dir", pki, "--coordinator", "main"]).check()
        try baton(["pki", "cert", "create", "--dir", pki, "--operator", "alice", "--role", "responder"]).check()
    }

    /// Starts batond on free loopback ports and waits until it listens.
    func startCoordinator(heartbeatMilliseconds: Int = 500, extraArguments: [String] = [], devMode: Bool = true) throws {
        let ready = directory + "/ready.json"
        let agentListen = "127.0.0.1:\(agentPort)"
        let apiListen = "127.0.0.1:\(apiPort)"
        try? FileManager.default.removeItem(atPath: ready)
        coordinator = try Self.spawn(
            Self.binary("batond"),
            [
                "--data-dir", directory + "/data", "--agent-listen", agentListen, "--api-listen", apiListen,
                "--ca", pki + "/ca.pem", "--cert", pki + "/coordinator-main.pem", "--key",
                pki + "/coordinator-main-key.pem", "--ready-file", ready, "--heartbeat-interval-ms", String(heartbeatMilliseconds),
            ] + (devMode ? ["--dev-mode"] : []) + extraArguments, log: directory + "/batond.log")
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: ready),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let agentPort = json["agentPort"] as? Int, let apiPort = json["apiPort"] as? Int
            {
                self.agentPort = agentPort
                self.apiPort = apiPort
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError("batond did not become ready; log:\n\(log("batond"))")
    }

    /// Stops batond with `signal` and returns its exit status. A later `startCoordinator()` reuses its ports.
    @discardableResult
    func stopCoordinator(signal: Int32 = SIGTERM) -> Int32 {
        guard let process = coordinator else { return -1 }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        coordinator = nil
        return process.terminationStatus
    }

    /// Makes a certificate for the agent (once) and starts it.
    func startAgent(_ name: String, tier: String, extraArguments: [String] = []) throws {
        let cert = pki + "/agent-\(tier)-\(name).pem"
        if !FileManager.default.fileExists(atPath: cert) {
            try baton(["pki", "cert", "create", "--dir", pki, "--agent", name, "--tier", tier]).check()
        }
        let process = try Self.spawn(
            Self.binary("baton-agent"),
            [
                "--coordinator", "127.0.0.1:\(agentPort)", "--ca", pki + "/ca.pem", "--cert", cert, "--key",
                pki + "/agent-\(tier)-\(name)-key.pem", "--log-level", "debug", "--state-dir",
                directory + "/agent-state-\(name)", "--reconnect-max-ms", "500",
            ] + extraArguments, log: directory + "/agent-\(name).log")
        lock.withLock { agents[name] = process }
    }

    /// Sends `signal` to a running agent, waits for it to exit, and returns its exit status.
    @discardableResult
    func killAgent(_ name: String, signal: Int32 = SIGKILL) -> Int32 {
        guard let process = lock.withLock({ agents[name] }) else { return -1 }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Starts the three usual agents (plat-1, db-1, app-1) and waits until they are connected.
    func startThreeTiers() throws {
        try startAgent("plat-1", tier: "platform")
        try startAgent("db-1", tier: "database")
        try startAgent("app-1", tier: "application")
        try waitForAgents(3)
    }

    /// Polls the run until `condition` holds for it.
    func waitForRun(_ runID: String, timeout: TimeInterval = 30, until condition: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any] = [:]
        while Date() < deadline {
            last = try status(runID)
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError("run \(runID) never reached the expected state; last: \(last)\nbatond log:\n\(log("batond"))")
    }

    /// Waits until `count` agents show as connected in `baton agents list`.
    func waitForAgents(_ count: Int, timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let list = try? agentList(), list.filter({ $0["connected"] as? Bool == true }).count >= count { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError("fewer than \(count) agents connected; batond log:\n\(log("batond"))")
    }

    func agentList() throws -> [[String: Any]] {
        let output = try baton(operatorArguments(["agents", "list", "--format", "json"])).check()
        let json = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        return json?["agents"] as? [[String: Any]] ?? []
    }

    /// `arguments` with the connection flags of operator `name` (default: alice, a responder).
    func operatorArguments(_ arguments: [String], as name: String = "alice") -> [String] {
        arguments + [
            "--coordinator", "https://127.0.0.1:\(apiPort)", "--ca", pki + "/ca.pem", "--cert",
            pki + "/operator-\(name).pem", "--key", pki + "/operator-\(name)-key.pem",
        ]
    }

    /// Makes a certificate for operator `name` whose certificate role is `role` (once).
    func addOperator(_ name: String, role: String) throws {
        guard !FileManager.default.fileExists(atPath: pki + "/operator-\(name).pem") else { return }
        try baton(["pki", "cert", "create", "--dir", pki, "--operator", name, "--role", role]).check()
    }

    /// Runs `baton` as operator `name`, without checking the exit status.
    func batonAs(_ name: String, _ arguments: [String]) throws -> CommandOutput {
        try baton(operatorArguments(arguments, as: name))
    }

    /// Writes a playbook into the cluster's directory and returns its path.
    func writePlaybook(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Starts a run and returns its id.
    func startRun(_ playbook: String, incident: String = "INC-1", parameters: [String: String] = [:]) throws -> String {
        var arguments = ["run", "start", playbook, "--incident", incident, "--format", "json"]
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) { arguments += ["--param", "\(key)=\(value)"] }
        let output = try baton(operatorArguments(arguments)).check()
        let json = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        guard let runID = json?["runID"] as? String else { throw HarnessError("no runID in \(output.stdout)") }
        return runID
    }

    func status(_ runID: String) throws -> [String: Any] {
        let output = try baton(operatorArguments(["run", "status", runID, "--format", "json"])).check()
        return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] ?? [:]
    }

    /// Polls the run until it is no longer running.
    func waitForRun(_ runID: String, timeout: TimeInterval = 60) throws -> [String: Any] {
        try waitForRun(runID, timeout: timeout) { !["running", "rolling-back"].contains($0["phase"] as? String ?? "") }
    }

    func log(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/\(name).log", encoding: .utf8)) ?? "(no log)"
    }

    func baton(_ arguments: [String]) throws -> CommandOutput {
        try Self.run(Self.binary("baton"), arguments)
    }

    func shutdown() {
        let processes = lock.withLock { Array(agents.values) } + [coordinator].compactMap { $0 }
        for process in processes where process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(10)
        for process in processes {
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        if ProcessInfo.processInfo.environment["BATON_KEEP_TEST_DIRS"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func spawn(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs a command to completion and captures its output.
    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 60) throws
        -> CommandOutput
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
        let group = DispatchGroup()
        nonisolated(unsafe) var stdoutData = Data()
        nonisolated(unsafe) var stderrData = Data()
        group.enter()
        DispatchQueue.global().async {
            stdoutData = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            stderrData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        group.wait()
        return CommandOutput(
            command: ([executable] + arguments).joined(separator: " "), status: process.terminationStatus,
            stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
    }
}

struct CommandOutput {
    var command: String
    var status: Int32
    var stdout: String
    var stderr: String

    /// Throws unless the command exited 0.
    @discardableResult
    func check() throws -> CommandOutput {
        guard status == 0 else {
            throw HarnessError("`\(command)` exited \(status)\nstdout: \(stdout)\nstderr: \(stderr)")
        }
        return self
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a fresh cluster and always shuts it down.
func withCluster<T>(_ body: (Cluster) throws -> T) throws -> T {
    let cluster = try Cluster()
    defer { cluster.shutdown() }
    return try body(cluster)
}
