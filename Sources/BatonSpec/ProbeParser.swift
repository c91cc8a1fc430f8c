import BatonModel
import Yams

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads `pre:` and `post:` lists: each item is a one-key mapping naming the probe kind.
struct ProbeParser {
    let reader: NodeReader

    static let kinds = ["command", "file", "tcp", "http", "process"]
    /// Allowed in every probe kind.
    static let retryKeys = ["retry_for", "retry_interval"]
    static let commandKeys =
        ["run", "env", "exit_code", "stdout_contains", "stdout_matches", "stdout_equals", "stderr_contains", "json", "timeout"]
        + retryKeys
    static let fileKeys = ["path", "exists", "contains", "mode", "owner", "max_age"] + retryKeys
    static let tcpKeys = ["host", "port", "state", "timeout"] + retryKeys
    static let httpKeys = ["url", "status", "body_contains", "json", "timeout", "ca_file"] + retryKeys
    static let processKeys = ["name", "pidfile", "running"] + retryKeys

    static let exitCodes = 0...255
    static let ports = 1...65_535
    static let statuses = 100...599

    /// The probes, or nil when any of them had an error.
    func parseList(_ node: Node, _ what: String) -> [ProbeSpec]? {
        guard let items = reader.list(node, what) else { return nil }
        let probes = items.compactMap { parseProbe($0, what) }
        return probes.count == items.count ? probes : nil
    }

    private func parseProbe(_ node: Node, _ what: String) -> ProbeSpec? {
        guard let pairs = reader.pairs(node, in: "a probe in \(what)") else { return nil }
        guard pairs.count == 1, let (kind, key, body) = pairs.first else {
            reader.error(
                "bad-probe",
                "each probe in \(what) must be a mapping with exactly one key: \(Suggestions.list(Self.kinds)), found \(pairs.count) keys",
                at: node)
            return nil
        }
        let position = NodeReader.position(node)
        let context = "\(kind) probe in \(what)"
        switch kind {
        case "command": return parseCommand(body, context, position).map(ProbeSpec.command)
        case "file": return parseFile(body, context, position).map(ProbeSpec.file)
        case "tcp": return parseTCP(body, context, position).map(ProbeSpec.tcp)
        case "http": return parseHTTP(body, context, position).map(ProbeSpec.http)
        case "process": return parseProcess(body, context, position).map(ProbeSpec.process)
        default:
            let hint = Suggestions.closest(to: kind, in: Self.kinds).map { "did you mean '\($0)'? " } ?? ""
            reader.error(
                "unknown-probe",
                "unknown probe kind '\(kind)' in \(what); \(hint)probe kinds are \(Suggestions.list(Self.kinds))", at: key)
            return nil
        }
    }

    private func parseCommand(_ node: Node, _ context: String, _ position: SourcePosition) -> CommandProbeSpec? {
        guard let fields = reader.fields(node, in: "the \(context)", allowed: Self.commandKeys, required: ["run"]) else {
            return nil
        }
        let argv = fields["run"].flatMap { reader.argv($0, "run of the \(context)") }
        let env = fields["env"].map { reader.environment($0, "env of the \(context)") }
        let exitCode = fields["exit_code"].map { reader.integerSpec($0, "exit_code of the \(context)", range: Self.exitCodes) }
        let contains = fields["stdout_contains"].map { reader.template($0, "stdout_contains of the \(context)") }
        let matches = fields["stdout_matches"].map { node -> Template? in
            guard let pattern = reader.template(node, "stdout_matches of the \(context)") else { return nil }
            if pattern.isLiteral, let problem = Self.regexProblem(pattern.description) {
                reader.error("bad-regex", "stdout_matches of the \(context) is not a valid regular expression: \(problem)", at: node)
                return nil
            }
            return pattern
        }
        let timeout = fields["timeout"].map { reader.duration($0, "timeout of the \(context)") }
        let stderr = fields["stderr_contains"].map { reader.template($0, "stderr_contains of the \(context)") }
        let equals = fields["stdout_equals"].map { reader.template($0, "stdout_equals of the \(context)") }
        let json = fields["json"].map { jsonCheck($0, "json of the \(context)") }
        let retry = self.retry(fields, context)
        guard let argv, env != .some(nil), exitCode != .some(nil), contains != .some(nil), matches != .some(nil),
            timeout != .some(nil), stderr != .some(nil), equals != .some(nil), json != .some(nil), retry.valid
        else { return nil }
        return CommandProbeSpec(
            argv: argv, env: env.flatMap { $0 } ?? [], exitCode: exitCode.flatMap { $0 } ?? .literal(0),
            stdoutContains: contains.flatMap { $0 }, stdoutMatches: matches.flatMap { $0 },
            timeoutMilliseconds: timeout.flatMap { $0 } ?? 10_000, position: position, stderrContains: stderr.flatMap { $0 },
            stdoutEquals: equals.flatMap { $0 }, json: json.flatMap { $0 }, retry: retry.retry)
    }

    private func parseFile(_ node: Node, _ context: String, _ position: SourcePosition) -> FileProbeSpec? {
        guard let fields = reader.fields(node, in: "the \(context)", allowed: Self.fileKeys, required: ["path"]) else {
            return nil
        }
        let path = fields["path"].flatMap { reader.template($0, "path of the \(context)") }
        let exists = fields["exists"].map { reader.bool($0, "exists of the \(context)") }
        let contains = fields["contains"].map { reader.template($0, "contains of the \(context)") }
        let mode = fields["mode"].map { fileMode($0, "mode of the \(context)") }
        let owner = fields["owner"].map { self.owner($0, "owner of the \(context)") }
        let maxAge = fields["max_age"].map { reader.duration($0, "max_age of the \(context)") }
        let retry = self.retry(fields, context)
        if case .some(.some(false)) = exists {
            for key in ["contains", "mode", "owner", "max_age"] {
                guard let keyPosition = fields.keyPosition(key) else { continue }
                reader.sink.error(
                    "bad-value", "the \(context) checks that the file is absent (exists: false), so it cannot also check \(key)",
                    at: keyPosition)
                return nil
            }
        }
        guard let path, exists != .some(nil), contains != .some(nil), mode != .some(nil), owner != .some(nil),
            maxAge != .some(nil), retry.valid
        else { return nil }
        return FileProbeSpec(
            path: path, exists: exists.flatMap { $0 } ?? true, contains: contains.flatMap { $0 }, position: position,
            mode: mode.flatMap { $0 }, owner: owner.flatMap { $0 }, maxAgeMilliseconds: maxAge.flatMap { $0 },
            retry: retry.retry)
    }

    private func parseTCP(_ node: Node, _ context: String, _ position: SourcePosition) -> TCPProbeSpec? {
        guard let fields = reader.fields(node, in: "the \(context)", allowed: Self.tcpKeys, required: ["port"]) else {
            return nil
        }
        let host = fields["host"].map { reader.template($0, "host of the \(context)") }
        let port = fields["port"].flatMap { reader.integerSpec($0, "port of the \(context)", range: Self.ports) }
        let state = fields["state"].map { node -> TCPProbe.ExpectedState? in
            guard let text = reader.string(node, "state of the \(context)") else { return nil }
            guard let state = TCPProbe.ExpectedState(rawValue: text) else {
                reader.error("bad-value", "state of the \(context) must be open or closed, not '\(text)'", at: node)
                return nil
            }
            return state
        }
        let timeout = fields["timeout"].map { reader.duration($0, "timeout of the \(context)") }
        let retry = self.retry(fields, context)
        guard let port, host != .some(nil), state != .some(nil), timeout != .some(nil), retry.valid else { return nil }
        return TCPProbeSpec(
            host: host.flatMap { $0 } ?? Template(literal: "127.0.0.1", position: position), port: port,
            state: state.flatMap { $0 } ?? .open, timeoutMilliseconds: timeout.flatMap { $0 } ?? 2_000,
            position: position, retry: retry.retry)
    }

    private func parseHTTP(_ node: Node, _ context: String, _ position: SourcePosition) -> HTTPProbeSpec? {
        guard let fields = reader.fields(node, in: "the \(context)", allowed: Self.httpKeys, required: ["url"]) else {
            return nil
        }
        let url = fields["url"].flatMap { node -> Template? in
            guard let url = reader.template(node, "url of the \(context)") else { return nil }
            if url.isLiteral, let problem = Self.urlProblem(url.description) {
                reader.error("bad-value", "url of the \(context) \(problem)", at: node)
                return nil
            }
            return url
        }
        let status = fields["status"].map { reader.integerSpec($0, "status of the \(context)", range: Self.statuses) }
        let timeout = fields["timeout"].map { reader.duration($0, "timeout of the \(context)") }
        let body = fields["body_contains"].map { reader.template($0, "body_contains of the \(context)") }
        let json = fields["json"].map { jsonCheck($0, "json of the \(context)") }
        let caFile = fields["ca_file"].map { reader.template($0, "ca_file of the \(context)") }
        let retry = self.retry(fields, context)
        if let url, url.isLiteral, url.description.hasPrefix("http://"), let key = fields.keyPosition("ca_file") {
            reader.sink.error(
                "bad-value", "ca_file of the \(context) only applies to https:// URLs, but the url is '\(url)'", at: key)
            return nil
        }
        guard let url, status != .some(nil), timeout != .some(nil), body != .some(nil), json != .some(nil),
            caFile != .some(nil), retry.valid
        else { return nil }
        return HTTPProbeSpec(
            url: url, status: status.flatMap { $0 } ?? .literal(200),
            timeoutMilliseconds: timeout.flatMap { $0 } ?? 5_000, position: position, bodyContains: body.flatMap { $0 },
            json: json.flatMap { $0 }, retry: retry.retry, caFile: caFile.flatMap { $0 })
    }

    /// Why `url` cannot be probed, or nil when it starts with http:// or https://.
    static func urlProblem(_ url: String) -> String? {
        url.hasPrefix("http://") || url.hasPrefix("https://") ? nil : "must start with http:// or https://, not '\(url)'"
    }

    /// Why `pattern` is not a POSIX extended regular expression, or nil when it is one.
    static func regexProblem(_ pattern: String) -> String? {
        var regex = regex_t()
        let status = regcomp(&regex, pattern, REG_EXTENDED | REG_NOSUB)
        guard status != 0 else {
            regfree(&regex)
            return nil
        }
        var buffer = [CChar](repeating: 0, count: 256)
        regerror(status, &regex, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
