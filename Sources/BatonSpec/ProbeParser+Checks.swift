import BatonModel
import Yams

/// The `process` probe and the fields shared by several probe kinds (`json`, `retry_for`, file `mode`/`owner`).
extension ProbeParser {
    /// `/proc/PID/comm` holds at most this many characters of a process name.
    static let processNameLimit = 15

    func parseProcess(_ node: Node, _ context: String, _ position: SourcePosition) -> ProcessProbeSpec? {
        guard let fields = reader.fields(node, in: "the \(context)", allowed: Self.processKeys) else { return nil }
        let name = fields["name"].map { node -> Template? in
            guard let name = reader.template(node, "name of the \(context)") else { return nil }
            if name.isLiteral, let problem = Self.processNameProblem(name.description) {
                reader.error("bad-value", "name of the \(context) \(problem)", at: node)
                return nil
            }
            return name
        }
        let pidfile = fields["pidfile"].map { reader.template($0, "pidfile of the \(context)") }
        let running = fields["running"].map { reader.bool($0, "running of the \(context)") }
        let retry = self.retry(fields, context)
        if name != nil, let pidfileKey = fields.keyPosition("pidfile") {
            reader.sink.error("bad-value", "the \(context) names a process by name or by pidfile, not both", at: pidfileKey)
            return nil
        }
        guard name != .some(nil), pidfile != .some(nil), running != .some(nil), retry.valid else { return nil }
        let target: ProcessProbeSpec.Target
        if let name = name.flatMap({ $0 }) {
            target = .name(name)
        } else if let pidfile = pidfile.flatMap({ $0 }) {
            target = .pidfile(pidfile)
        } else {
            reader.sink.error("missing-key", "the \(context) needs 'name' or 'pidfile'", at: fields.position)
            return nil
        }
        return ProcessProbeSpec(
            target: target, running: running.flatMap { $0 } ?? true, position: position, retry: retry.retry)
    }

    /// Why `name` can never equal a `/proc/PID/comm`, or nil when it can.
    static func processNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.contains("/") { return "is a process name, not a path: '\(name)' contains '/'" }
        if name.utf8.count > processNameLimit {
            return "'\(name)' is longer than \(processNameLimit) bytes; /proc/PID/comm holds at most "
                + "\(processNameLimit), so it could never match"
        }
        return nil
    }

    /// `json: {path: a.b.0.c, equals: value}`.
    func jsonCheck(_ node: Node, _ what: String) -> JSONCheckSpec? {
        guard let fields = reader.fields(node, in: what, allowed: ["path", "equals"], required: ["path", "equals"]) else {
            return nil
        }
        let path = fields["path"].flatMap { node -> String? in
            guard let path = reader.string(node, "path of the \(what)") else { return nil }
            if path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                reader.error(
                    "bad-value", "path of the \(what) must be dot-separated keys or array indexes like a.b.0.c, not '\(path)'",
                    at: node)
                return nil
            }
            return path
        }
        let equals = fields["equals"].flatMap { reader.template($0, "equals of the \(what)") }
        guard let path, let equals else { return nil }
        return JSONCheckSpec(path: path, equals: equals)
    }

    /// `mode: "0644"`: three or four octal digits.
    func fileMode(_ node: Node, _ what: String) -> UInt32? {
        guard let text = reader.string(node, what) else { return nil }
        let digits = text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }
        guard digits, (3...5).contains(text.utf8.count), let mode = UInt32(text, radix: 8), mode <= 0o7777 else {
            reader.error("bad-value", "\(what) must be an octal permission string like \"0644\", not '\(text)'", at: node)
            return nil
        }
        return mode
    }

    /// `owner: root` or `owner: 0`.
    func owner(_ node: Node, _ what: String) -> Template? {
        guard let owner = reader.template(node, what) else { return nil }
        if owner.isLiteral, owner.description.isEmpty || owner.description.contains(where: { $0 == ":" || $0.isWhitespace }) {
            reader.error("bad-value", "\(what) must be a user name or a numeric uid, not '\(owner.description)'", at: node)
            return nil
        }
        return owner
    }

    /// `retry_for` and `retry_interval`; `valid` is false after an error was reported.
    func retry(_ fields: Fields, _ context: String) -> (valid: Bool, retry: ProbeRetry?) {
        let total = fields["retry_for"].map { reader.duration($0, "retry_for of the \(context)") }
        let interval = fields["retry_interval"].map { reader.duration($0, "retry_interval of the \(context)") }
        guard total != .some(nil), interval != .some(nil) else { return (false, nil) }
        guard let total = total.flatMap({ $0 }) else {
            if let key = fields.keyPosition("retry_interval") {
                reader.sink.error("bad-value", "retry_interval of the \(context) needs retry_for", at: key)
                return (false, nil)
            }
            return (true, nil)
        }
        let every = interval.flatMap { $0 } ?? ProbeRetry.defaultIntervalMilliseconds
        if every > total, let node = fields["retry_interval"] {
            let interval = PlaybookDuration.format(milliseconds: every)
            let limit = PlaybookDuration.format(milliseconds: total)
            reader.error(
                "bad-value", "retry_interval of the \(context) (\(interval)) is longer than retry_for (\(limit))", at: node)
            return (false, nil)
        }
        return (true, ProbeRetry(forMilliseconds: total, intervalMilliseconds: every))
    }
}
