import BatonModel
import BatonSpec
import Yams

/// Reads one policy file into rules (nil entries are left out after a diagnostic).
struct PolicyParser {
    let reader: PolicyReader

    static let topLevelKeys = ["apiVersion", "kind", "metadata", "rules"]
    static let metadataKeys = ["name", "description", "owners"]
    static let commonRuleKeys = ["id", "kind", "message"]
    static let kindKeys: [String: [String]] = [
        "require_before": ["step", "before", "within"],
        "require_approval": ["step", "approval"],
        "max_concurrency": ["step", "limit"],
        "forbid_concurrent": ["tags"],
        "freeze": ["step", "windows"],
        "blast_radius": ["step", "max"],
    ]
    static let selectorKeys = ["tags", "tier", "ids"]
    static let approvalKeys = ["roles", "quorum", "timeout", "on_timeout"]
    static let windowKeys = ["from", "to"]

    /// The rules of the file (with positions), or nil when the document itself is unusable.
    func parse(_ root: Node) -> [PolicyRule]? {
        guard
            let top = reader.fields(
                root, in: "the policy", allowed: Self.topLevelKeys, required: ["apiVersion", "kind", "metadata", "rules"])
        else { return nil }
        expect(top["apiVersion"], "apiVersion", equals: "baton/v1")
        expect(top["kind"], "kind", equals: "Policy")
        var name = ""
        if let metadata = top["metadata"],
            let fields = reader.fields(metadata, in: "metadata", allowed: Self.metadataKeys, required: ["name"])
        {
            name = fields["name"].flatMap { reader.nonEmptyString($0, "metadata.name") } ?? ""
        }
        guard let rulesNode = top["rules"], let items = reader.list(rulesNode, "rules") else { return nil }
        let rules = items.compactMap { parseRule($0, policy: name) }
        if rules.count != items.count, !reader.diagnostics.containsErrors {
            // Never load a set silently missing a rule.
            reader.error("internal-error", "a rule could not be read, but no reason was found", at: rulesNode)
        }
        return rules
    }

    private func expect(_ node: Node?, _ key: String, equals expected: String) {
        guard let node, let value = reader.string(node, key), value != expected else { return }
        reader.error("bad-value", "\(key) must be '\(expected)', not '\(value)'", at: node)
    }

    private func parseRule(_ node: Node, policy: String) -> PolicyRule? {
        // The kind decides which keys are allowed, so read it before checking the keys.
        var kindName: String?
        var kindNode: Node?
        if case .mapping(let mapping) = node, let found = mapping["kind"], !PolicyReader.isNull(found) {
            kindNode = found
            kindName = reader.string(found, "the kind of a rule")
        }
        if let kindName, let kindNode, Self.kindKeys[kindName] == nil {
            reader.error(
                "unknown-rule-kind",
                "unknown rule kind '\(kindName)'\(reader.didYouMean(kindName, in: PolicyRuleKind.names)); kinds: "
                    + PolicyRuleKind.names.joined(separator: ", "), at: kindNode)
        }
        let known = kindName.flatMap { Self.kindKeys[$0] }
        // An unknown kind: only its common keys can be checked.
        let allowed = Self.commonRuleKeys + (known ?? Self.kindKeys.values.flatMap { $0 })
        let required = Self.commonRuleKeys + (known?.filter { $0 != "within" } ?? [])
        guard let fields = reader.fields(node, in: "a rule", allowed: allowed, required: required) else { return nil }
        let id = fields["id"].flatMap { ruleID($0) }
        let message = fields["message"].flatMap { reader.nonEmptyString($0, "the message of a rule") }
        guard let kindName, known != nil, var kind = parseKind(kindName, fields), let id, let message else {
            return nil
        }
        if case .requireApproval(let step, var approval) = kind {
            (approval.ruleID, approval.message) = (id, message)
            kind = .requireApproval(step: step, approval: approval)
        }
        let position = fields["id"].map(PolicyReader.position) ?? fields.position
        return PolicyRule(
            id: id, message: message, kind: kind, policy: policy, file: reader.file, line: position.line,
            column: position.column)
    }

    private func ruleID(_ node: Node) -> String? {
        guard let id = reader.nonEmptyString(node, "the id of a rule") else { return nil }
        guard id.unicodeScalars.allSatisfy({ !$0.properties.isWhitespace }) else {
            reader.error("bad-value", "rule id '\(id)' must not contain spaces", at: node)
            return nil
        }
        return id
    }

    private func parseKind(_ name: String, _ fields: PolicyFields) -> PolicyRuleKind? {
        let step = fields["step"].flatMap { selector($0, "step") }
        switch name {
        case "require_before":
            let before = fields["before"].flatMap { selector($0, "before") }
            var within: Int64?
            if let node = fields["within"] {
                guard let milliseconds = reader.duration(node, "within") else { return nil }
                within = milliseconds
            }
            guard let step, let before else { return nil }
            return .requireBefore(step: step, before: before, withinMilliseconds: within)
        case "require_approval":
            guard let approval = fields["approval"].flatMap(approval), let step else {
                return nil
            }
            return .requireApproval(step: step, approval: approval)
        case "max_concurrency":
            guard let limit = fields["limit"].flatMap({ reader.positiveInt($0, "limit") }), let step else { return nil }
            return .maxConcurrency(step: step, limit: limit)
        case "forbid_concurrent":
            guard let node = fields["tags"], let tags = reader.stringList(node, "tags") else { return nil }
            guard Set(tags).count >= 2 else {
                reader.error("bad-value", "forbid_concurrent needs at least two different tags in tags", at: node)
                return nil
            }
            return .forbidConcurrent(tags: tags)
        case "freeze":
            guard let node = fields["windows"], let items = reader.list(node, "windows") else { return nil }
            guard !items.isEmpty else {
                reader.error("bad-value", "windows must list at least one {from, to} window", at: node)
                return nil
            }
            let windows = items.compactMap(window)
            guard windows.count == items.count, let step else { return nil }
            return .freeze(step: step, windows: windows)
        case "blast_radius":
            guard let amount = fields["max"].flatMap(hostAmount), let step else { return nil }
            return .blastRadius(step: step, max: amount)
        default:
            return nil
        }
    }

    /// `{tags: [a, b]}`, `{tier: database}`, `{ids: [x]}` or a combination; never empty.
    private func selector(_ node: Node, _ what: String) -> StepSelector? {
        guard case .mapping(let mapping) = node else {
            reader.error(
                "bad-selector", "\(what) must be a selector like {tags: [database.restore]}, {tier: database} or "
                    + "{ids: [restore-db]}, found \(PolicyReader.describe(node))", at: node)
            return nil
        }
        guard !mapping.isEmpty else {
            reader.error("bad-selector", "the selector \(what) is empty; give tags, tier or ids", at: node)
            return nil
        }
        guard let fields = reader.fields(node, in: "the selector \(what)", allowed: Self.selectorKeys),
            fields.values.count + fields.nullKeys.count == mapping.count, fields.nullKeys.isEmpty
        else { return nil }
        var selector = StepSelector()
        var valid = true
        if let tags = fields["tags"] {
            if let list = reader.stringList(tags, "\(what).tags") { selector.tags = list } else { valid = false }
        }
        if let tierNode = fields["tier"], let text = reader.string(tierNode, "\(what).tier") {
            if let tier = Tier(rawValue: text) {
                selector.tier = tier
            } else {
                let tiers = Tier.allCases.map(\.rawValue)
                reader.error(
                    "bad-selector", "unknown tier '\(text)' in \(what)\(reader.didYouMean(text, in: tiers)); tiers: "
                        + tiers.joined(separator: ", "), at: tierNode)
                valid = false
            }
        } else if fields["tier"] != nil {
            valid = false
        }
        if let ids = fields["ids"] {
            if let list = reader.stringList(ids, "\(what).ids") { selector.ids = list.map { StepID($0) } } else { valid = false }
        }
        return valid ? selector : nil
    }

    /// The requirement without its rule id and message (the caller fills them in).
    private func approval(_ node: Node) -> ApprovalRequirement? {
        guard
            let approval = reader.fields(
                node, in: "approval", allowed: Self.approvalKeys, required: ["roles", "timeout"])
        else { return nil }
        let roles = approval["roles"].flatMap { reader.stringList($0, "approval.roles") }
        let quorum = approval["quorum"].map { reader.positiveInt($0, "approval.quorum") } ?? 1
        let timeout = approval["timeout"].flatMap { reader.duration($0, "approval.timeout") }
        var onTimeout: ApprovalTimeoutAction? = .deny
        if let node = approval["on_timeout"], let text = reader.string(node, "approval.on_timeout") {
            onTimeout = ApprovalTimeoutAction(rawValue: text)
            if onTimeout == nil {
                reader.error("bad-value", "approval.on_timeout must be deny or allow, not '\(text)'", at: node)
            }
        } else if approval["on_timeout"] != nil {
            onTimeout = nil
        }
        guard let roles, let quorum, let timeout, let onTimeout else { return nil }
        return ApprovalRequirement(
            ruleID: "", roles: roles, quorum: quorum, timeoutMilliseconds: timeout, onTimeout: onTimeout)
    }

    private func window(_ node: Node) -> FreezeWindow? {
        guard let fields = reader.fields(node, in: "a freeze window", allowed: Self.windowKeys, required: ["from", "to"])
        else { return nil }
        let from = fields["from"].flatMap { timestamp($0, "from") }
        let to = fields["to"].flatMap { timestamp($0, "to") }
        guard let from, let to else { return nil }
        guard from.instant < to.instant else {
            reader.error("bad-window", "the freeze window ends (\(to.text)) before it starts (\(from.text))", at: node)
            return nil
        }
        return FreezeWindow(from: from.instant, to: to.instant, text: "\(from.text) to \(to.text)")
    }

    private func timestamp(_ node: Node, _ what: String) -> (instant: Instant, text: String)? {
        guard let text = reader.string(node, what) else { return nil }
        guard let instant = Timestamp.parse(text) else {
            reader.error(
                "bad-time", "\(what) '\(text)' is not a time; write RFC 3339 like 2026-12-28T00:00:00Z", at: node)
            return nil
        }
        return (instant, text)
    }

    /// `3` (hosts) or `"25%"` (of the matching hosts).
    private func hostAmount(_ node: Node) -> HostAmount? {
        guard let text = reader.string(node, "max") else { return nil }
        if text.hasSuffix("%") {
            guard let percent = Int(text.dropLast()), (1...100).contains(percent) else {
                reader.error("bad-percent", "max '\(text)' is not a percentage between 1% and 100%", at: node)
                return nil
            }
            return .percent(percent)
        }
        guard let count = Int(text), count >= 1 else {
            reader.error("bad-value", "max must be a host count of at least 1 or a percentage like \"25%\", not '\(text)'", at: node)
            return nil
        }
        return .count(count)
    }
}

extension PolicyRule {
    var position: SourcePosition { SourcePosition(line: line, column: column) }
}
