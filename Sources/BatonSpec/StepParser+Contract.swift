import BatonModel
import Yams

/// The step contract beyond probes and action: outputs, when, retries, on_failure, targets, manual, rollback.
extension StepParser {
    static let outputKeys = ["type", "from", "key"]
    static let retryKeys = ["count", "backoff", "max_backoff", "on"]
    static let targetKeys = ["labels", "serial", "max_errors"]
    static let rollbackKeys = ["run", "shell", "env", "pre", "post", "timeout", "tier"]
    /// What a manual step cannot have: an operator does the work, no agent runs anything.
    static let manualConflicts = ["run", "shell", "pre", "post", "outputs", "targets"]

    /// `outputs: {NAME: {type, from, key}}`. `probeCounts`: how many probes each phase has (nil: unknown
    /// because the list had an error, so `from: post.N` is not checked).
    func parseOutputs(_ node: Node, _ context: String, probeCounts: [ProbePhase: Int?]) -> [OutputSpec]? {
        guard let pairs = reader.pairs(node, in: "outputs of \(context)") else { return nil }
        var outputs: [OutputSpec] = []
        for (name, key, value) in pairs {
            let what = "output '\(name)' of \(context)"
            guard ParameterNames.isValid(name) else {
                reader.error(
                    "bad-value", "'\(name)' is not a valid output name in \(context); use letters, digits, '_' and '-', starting with a letter or '_'",
                    at: key)
                continue
            }
            guard let fields = reader.fields(value, in: what, allowed: Self.outputKeys) else { continue }
            let type = fields["type"].map { reader.valueType($0, "the type of \(what)") }
            let source = parseOutputSource(fields, name: name, what, probeCounts: probeCounts)
            guard type != .some(nil), let source else { continue }
            outputs.append(OutputSpec(name: name, type: type.flatMap { $0 } ?? .string, source: source))
        }
        return outputs.count == pairs.count ? outputs : nil
    }

    private func parseOutputSource(
        _ fields: Fields, name: String, _ what: String, probeCounts: [ProbePhase: Int?]
    ) -> OutputSpec.Source? {
        let key = fields["key"].flatMap { reader.string($0, "the key of \(what)") }
        guard let fromNode = fields["from"] else { return .stdout(key: key ?? name) }
        guard let from = reader.string(fromNode, "from of \(what)") else { return nil }
        if from == "stdout" { return .stdout(key: key ?? name) }
        let pieces = from.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 2, let phase = ProbePhase(rawValue: String(pieces[0])), let index = Int(pieces[1]), index >= 0
        else {
            reader.error(
                "bad-value", "from of \(what) must be stdout, pre.N or post.N (the observed value of that probe), not '\(from)'",
                at: fromNode)
            return nil
        }
        if let keyPosition = fields.keyPosition("key") {
            reader.sink.error("bad-value", "\(what) comes from a probe, so it has no key (key: is only for from: stdout)", at: keyPosition)
            return nil
        }
        if case .some(.some(let count)) = probeCounts[phase], index >= count {
            let have = count == 0 ? "no \(phase) probes" : "\(count) \(phase) probe\(count == 1 ? "" : "s") (\(phase).0 to \(phase).\(count - 1))"
            reader.error("bad-value", "from of \(what) names \(from), but the step has \(have)", at: fromNode)
            return nil
        }
        return .probe(phase: phase, index: index)
    }

    /// `retries: 3` or `retries: {count, backoff, max_backoff, on}`.
    func parseRetries(_ node: Node, _ context: String) -> RetryPolicy? {
        guard case .mapping = node else { return retryCount(node, "retries of \(context)").map { RetryPolicy(count: $0) } }
        let what = "retries of \(context)"
        guard let fields = reader.fields(node, in: what, allowed: Self.retryKeys, required: ["count"]) else { return nil }
        let count = fields["count"].flatMap { retryCount($0, "count of \(what)") }
        let backoff = fields["backoff"].map { reader.duration($0, "backoff of \(what)") }
        let maximum = fields["max_backoff"].map { reader.duration($0, "max_backoff of \(what)") }
        let kinds = fields["on"].map { failureKinds($0, "on of \(what)") }
        guard let count, backoff != .some(nil), maximum != .some(nil), kinds != .some(nil) else { return nil }
        var policy = RetryPolicy(count: count, on: kinds.flatMap { $0 } ?? RetryPolicy.defaultKinds)
        if let backoff = backoff.flatMap({ $0 }) { policy.backoffMilliseconds = backoff }
        if let maximum = maximum.flatMap({ $0 }) { policy.maximumBackoffMilliseconds = maximum }
        if policy.maximumBackoffMilliseconds < policy.backoffMilliseconds, let node = fields["max_backoff"] ?? fields["backoff"] {
            reader.error(
                "bad-value",
                "max_backoff of \(what) (\(PlaybookDuration.format(milliseconds: policy.maximumBackoffMilliseconds))) is shorter than backoff (\(PlaybookDuration.format(milliseconds: policy.backoffMilliseconds)))",
                at: node)
            return nil
        }
        return policy
    }

    private func retryCount(_ node: Node, _ what: String) -> Int? {
        guard let value = reader.int(node, what) else { return nil }
        guard value >= 0 else {
            reader.error("bad-value", "\(what) must be 0 or more, not \(value)", at: node)
            return nil
        }
        return value
    }

    private func failureKinds(_ node: Node, _ what: String) -> Set<FailureKind>? {
        guard let items = reader.list(node, what) else { return nil }
        let valid = FailureKind.retryable.map(\.rawValue)
        var kinds: Set<FailureKind> = []
        var ok = true
        for item in items {
            guard let text = reader.string(item, "each item of \(what)") else {
                ok = false
                continue
            }
            guard let kind = FailureKind(rawValue: text), FailureKind.retryable.contains(kind) else {
                reader.error(
                    "bad-value",
                    "unknown failure kind '\(text)' in \(what)\(Suggestions.didYouMean(text, in: valid)); valid kinds are \(Suggestions.list(valid, conjunction: "and"))",
                    at: item)
                ok = false
                continue
            }
            kinds.insert(kind)
        }
        if ok, kinds.isEmpty {
            reader.error("bad-value", "\(what) must list at least one failure kind; to never retry, write retries: 0", at: node)
            return nil
        }
        return ok ? kinds : nil
    }

    func parseOnFailure(_ node: Node, _ context: String) -> FailurePolicy? {
        guard let text = reader.string(node, "on_failure of \(context)") else { return nil }
        guard let policy = FailurePolicy(rawValue: text) else {
            let valid = FailurePolicy.allCases.map(\.rawValue)
            reader.error(
                "bad-value",
                "unknown on_failure '\(text)' for \(context)\(Suggestions.didYouMean(text, in: valid)); valid values are \(Suggestions.list(valid))",
                at: node)
            return nil
        }
        return policy
    }

    /// `targets: {labels: {role: web}, serial: 2, max_errors: "10%"}`.
    func parseTargets(_ node: Node, _ context: String) -> Targets? {
        let what = "targets of \(context)"
        guard let fields = reader.fields(node, in: what, allowed: Self.targetKeys) else { return nil }
        let labels = fields["labels"].map { node -> [String: String]? in
            guard let pairs = reader.pairs(node, in: "labels of \(what)") else { return nil }
            let values = pairs.compactMap { name, _, value in
                reader.string(value, "the value of label '\(name)' in \(what)").map { (name, $0) }
            }
            return values.count == pairs.count ? Dictionary(values, uniquingKeysWith: { _, last in last }) : nil
        }
        let serial = fields["serial"].map { hostAmount($0, "serial of \(what)") }
        let maxErrors = fields["max_errors"].map { hostAmount($0, "max_errors of \(what)") }
        guard labels != .some(nil), serial != .some(nil), maxErrors != .some(nil) else { return nil }
        return Targets(labels: labels.flatMap { $0 } ?? [:], serial: serial.flatMap { $0 }, maxErrors: maxErrors.flatMap { $0 })
    }

    /// A positive count (`2`) or a percentage from 1% to 100% (`"10%"`).
    private func hostAmount(_ node: Node, _ what: String) -> HostAmount? {
        guard let text = reader.string(node, what) else { return nil }
        if text.hasSuffix("%"), let percent = Int(text.dropLast()) {
            guard (1...100).contains(percent) else {
                reader.error("bad-value", "\(what) must be a percentage from 1% to 100%, not '\(text)'", at: node)
                return nil
            }
            return .percent(percent)
        }
        guard let count = Int(text), count > 0 else {
            reader.error("bad-value", "\(what) must be a positive number of hosts or a percentage like \"25%\", not '\(text)'", at: node)
            return nil
        }
        return .count(count)
    }

    /// `manual: {instructions: ...}`.
    func parseManual(_ node: Node, _ context: String) -> Template? {
        let what = "manual of \(context)"
        guard let fields = reader.fields(node, in: what, allowed: ["instructions"], required: ["instructions"]),
            let instructionsNode = fields["instructions"],
            let instructions = reader.template(instructionsNode, "instructions of \(what)")
        else { return nil }
        let reason = "the operator reads them as planned; copy the value in a step with run: instead"
        return reader.rejectOutputs(instructions, in: "instructions of \(what)", because: reason, at: instructionsNode)
            ? instructions : nil
    }

    /// `approval: {roles: [...], quorum: 2, timeout: 15m, on_timeout: deny}`.
    func parseApproval(_ node: Node, _ context: String) -> ApprovalRequirement? {
        let what = "approval of \(context)"
        guard
            let fields = reader.fields(
                node, in: what, allowed: ["roles", "quorum", "timeout", "on_timeout"], required: ["roles", "timeout"])
        else { return nil }
        var valid = true
        let roles = fields["roles"].flatMap { node -> [String]? in
            guard let roles = reader.stringList(node, "roles of \(what)") else { return nil }
            if roles.isEmpty { reader.error("bad-value", "roles of \(what) must name at least one role", at: node) }
            for role in roles where !ApprovalRequirement.knownRoles.contains(role) {
                reader.error(
                    "unknown-role",
                    "unknown role '\(role)' in \(what)\(Suggestions.didYouMean(role, in: ApprovalRequirement.knownRoles)); "
                        + "roles: \(ApprovalRequirement.knownRoles.joined(separator: ", "))", at: node)
                valid = false
            }
            return roles.isEmpty ? nil : roles
        }
        var quorum = 1
        if let node = fields["quorum"] {
            if let value = reader.int(node, "quorum of \(what)"), value >= 1 {
                quorum = value
            } else {
                reader.error("bad-value", "quorum of \(what) must be a whole number of at least 1", at: node)
                valid = false
            }
        }
        let timeout = fields["timeout"].flatMap { reader.duration($0, "timeout of \(what)") }
        var onTimeout = ApprovalTimeoutAction.deny
        if let node = fields["on_timeout"], let text = reader.string(node, "on_timeout of \(what)") {
            if let action = ApprovalTimeoutAction(rawValue: text) {
                onTimeout = action
            } else {
                reader.error("bad-value", "on_timeout of \(what) must be deny or allow, not '\(text)'", at: node)
                valid = false
            }
        }
        guard valid, let roles, let timeout else { return nil }
        return ApprovalRequirement(
            ruleID: ApprovalRequirement.stepRuleID, roles: roles, quorum: quorum, timeoutMilliseconds: timeout,
            onTimeout: onTimeout, message: "\(context) declares approval:")
    }

    /// A manual step may not have what only an agent can do.
    func checkManual(_ fields: Fields, _ context: String) {
        guard fields["manual"] != nil else { return }
        for key in Self.manualConflicts {
            guard let position = fields.keyPosition(key) else { continue }
            reader.sink.error(
                "manual-step", "\(context) is manual (an operator does it), so it cannot have '\(key)'", at: position)
        }
        if let rollback = fields["rollback"], case .mapping = rollback, let position = fields.keyPosition("rollback") {
            reader.sink.error(
                "manual-step",
                "\(context) is manual, so its rollback cannot run anything; write rollback: none or describe the undo in the instructions",
                at: position)
        }
    }

    /// `rollback: none` or a mapping with the compensating action (`tier` defaults to the step's).
    func parseRollback(_ node: Node, _ context: String, stepTier: Tier?) -> RollbackSpec? {
        let what = "rollback of \(context)"
        if case .scalar = node {
            guard reader.string(node, what) == "none" else {
                reader.error(
                    "bad-value",
                    "\(what) must be none or a mapping with run: or shell: (and env, pre, post, timeout, tier), found \(NodeReader.describe(node))",
                    at: node)
                return nil
            }
            return RollbackSpec.none
        }
        guard let fields = reader.fields(node, in: what, allowed: Self.rollbackKeys) else { return nil }
        let tier = fields["tier"].map { parseTier($0, what) }
        let probes = ProbeParser(reader: reader)
        let pre = fields["pre"].map { probes.parseList($0, "pre of the \(what)") }
        let post = fields["post"].map { probes.parseList($0, "post of the \(what)") }
        let timeout = fields["timeout"].map { reader.duration($0, "timeout of the \(what)") }
        let action = parseAction(fields, "the \(what)")
        if action == nil, fields["run"] == nil, fields["shell"] == nil {
            reader.sink.error(
                "missing-key",
                "\(what) needs run: or shell: to undo the step; write rollback: none if there is nothing to undo",
                at: fields.position)
        }
        // Any error is in the sink, and drops the whole step.
        guard let action, let rollbackTier = tier.flatMap({ $0 }) ?? stepTier, pre != .some(nil), post != .some(nil),
            timeout != .some(nil)
        else { return nil }
        return .step(
            RollbackStepSpec(
                tier: rollbackTier, pre: pre.flatMap { $0 } ?? [], action: action,
                post: post.flatMap { $0 } ?? [], timeoutMilliseconds: timeout.flatMap { $0 } ?? Plan.defaultStepTimeoutMilliseconds,
                position: fields.position))
    }
}
