import BatonModel
import Yams

/// Reads `steps:`, then checks the step graph (ids, needs, cycles) over every step it could identify.
struct StepParser {
    let reader: NodeReader

    static let stepKeys = [
        "id", "name", "description", "tier", "needs", "pre", "post", "run", "shell", "env", "timeout", "retries",
        "idempotent",
    ]
    /// Programs whose `-c` argument is a script: interpolating parameters into it is unsafe.
    static let shells: Set<String> = ["sh", "bash", "dash", "zsh", "ksh", "ash", "fish"]

    func parseSteps(_ node: Node) -> [StepSpec] {
        guard let items = reader.list(node, "steps") else { return [] }
        if items.isEmpty { reader.error("bad-value", "steps must list at least one step", at: node) }
        var outlines: [StepOutline] = []
        var steps: [StepSpec] = []
        for (index, item) in items.enumerated() {
            let (outline, step) = parseStep(item, number: index + 1)
            if let outline { outlines.append(outline) }
            if let step { steps.append(step) }
        }
        StepGraph.check(outlines, sink: reader.sink)
        return steps
    }

    private func parseStep(_ node: Node, number: Int) -> (StepOutline?, StepSpec?) {
        // Name the step by its id in messages when it has a readable one.
        let idText: String? = if case .mapping(let mapping) = node, let id = mapping["id"]?.string { id } else { nil }
        let context = idText.map { "step '\($0)'" } ?? "step \(number)"
        guard let fields = reader.fields(node, in: context, allowed: Self.stepKeys, required: ["id", "tier"]) else {
            return (nil, nil)
        }
        let errorsBefore = reader.sink.diagnostics.filter(\.isError).count

        let id = fields["id"].flatMap { parseID($0) }
        let tier = fields["tier"].flatMap { parseTier($0, context) }
        let needs = fields["needs"].flatMap { parseNeeds($0, context) } ?? []
        let probes = ProbeParser(reader: reader)
        let pre = fields["pre"].flatMap { probes.parseList($0, "pre of \(context)") } ?? []
        let post = fields["post"].flatMap { probes.parseList($0, "post of \(context)") } ?? []
        let action = parseAction(fields, context)
        let timeout = fields["timeout"].flatMap { reader.duration($0, "timeout of \(context)") }
        let retries = fields["retries"].flatMap { node -> Int? in
            guard let value = reader.int(node, "retries of \(context)") else { return nil }
            guard value >= 0 else {
                reader.error("bad-value", "retries of \(context) must be 0 or more, not \(value)", at: node)
                return nil
            }
            return value
        }
        let idempotent = fields["idempotent"].flatMap { reader.bool($0, "idempotent of \(context)") }

        // A step whose id is misspelt still takes part in the graph checks, so steps needing it
        // do not also report `unknown-need`.
        let outlineID = id ?? idText.flatMap { text in fields["id"].map { (StepID(text), NodeReader.position($0)) } }
        let outline = outlineID.map { StepOutline(id: $0.0, position: $0.1, needs: needs) }
        let errorsAfter = reader.sink.diagnostics.filter(\.isError).count
        guard errorsAfter == errorsBefore, let id, let tier else { return (outline, nil) }
        let step = StepSpec(
            id: id.id, position: id.position, name: fields["name"].flatMap { reader.string($0, "name of \(context)") },
            description: fields["description"].flatMap { reader.string($0, "description of \(context)") },
            tier: tier, needs: needs, pre: pre, action: action, post: post,
            timeoutMilliseconds: timeout ?? Plan.defaultStepTimeoutMilliseconds, retries: retries ?? 0,
            idempotent: idempotent ?? false)
        return (outline, step)
    }

    private func parseID(_ node: Node) -> (id: StepID, position: SourcePosition)? {
        guard let text = reader.string(node, "a step id") else { return nil }
        guard Self.isStepID(text) else {
            reader.error(
                "bad-value",
                "step id '\(text)' must start with a lowercase letter or digit and contain only lowercase letters, digits, '-', '_' and '.'",
                at: node)
            return nil
        }
        return (StepID(text), NodeReader.position(node))
    }

    static func isStepID(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCIILowercaseLetter || first.isASCIIDigit else {
            return false
        }
        return text.unicodeScalars.allSatisfy {
            $0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "-" || $0 == "_" || $0 == "."
        }
    }

    private func parseTier(_ node: Node, _ context: String) -> Tier? {
        guard let text = reader.string(node, "tier of \(context)") else { return nil }
        guard let tier = Tier(rawValue: text) else {
            let names = Tier.allCases.map(\.rawValue)
            let hint = Suggestions.closest(to: text, in: names).map { "did you mean '\($0)'? " } ?? ""
            reader.error(
                "unknown-tier", "unknown tier '\(text)' for \(context); \(hint)\(DocumentParser.validTiers)", at: node)
            return nil
        }
        return tier
    }

    private func parseNeeds(_ node: Node, _ context: String) -> [StepReference]? {
        guard let items = reader.list(node, "needs of \(context)") else { return nil }
        var needs: [StepReference] = []
        for item in items {
            guard let text = reader.string(item, "each item of needs of \(context)") else { continue }
            let reference = StepReference(id: StepID(text), position: NodeReader.position(item))
            if needs.contains(where: { $0.id == reference.id }) {
                reader.sink.warning("duplicate-need", "\(context) lists '\(text)' in needs more than once", at: reference.position)
                continue
            }
            needs.append(reference)
        }
        return needs
    }

    private func parseAction(_ fields: Fields, _ context: String) -> ActionSpec? {
        let run = fields["run"], shell = fields["shell"]
        let env = fields["env"].flatMap { reader.environment($0, "env of \(context)") } ?? []
        if let run, let shell {
            reader.error(
                "run-and-shell", "\(context) has both run: and shell:; use run: for a program, shell: for a script",
                at: shell)
            _ = (reader.argv(run, "run of \(context)"), reader.template(shell, "shell of \(context)"))
            return nil
        }
        if let shell {
            guard let script = reader.template(shell, "shell of \(context)") else { return nil }
            if !script.isLiteral {
                reader.error(
                    "unsafe-interpolation",
                    "parameters cannot be interpolated into the shell: script of \(context); pass them with env: (e.g. env: {NAME: \"${{ params.NAME }}\"}) and write \"$NAME\" in the script",
                    at: shell)
                return nil
            }
            return ActionSpec(
                argv: [Template(literal: "/bin/sh"), Template(literal: "-c"), script], env: env, isShell: true)
        }
        if let run {
            guard let argv = reader.argv(run, "run of \(context)") else { return nil }
            warnAboutShellScripts(argv, context)
            return ActionSpec(argv: argv, env: env, isShell: false)
        }
        if let envKey = fields.keyPosition("env") {
            reader.sink.warning("unused-env", "env of \(context) has no effect: the step has no run: or shell:", at: envKey)
        }
        return nil
    }

    /// `run: [sh, -c, "… ${{ params.x }} …"]` hands the value to a shell: warn.
    private func warnAboutShellScripts(_ argv: [Template], _ context: String) {
        guard let program = argv.first, program.isLiteral,
            Self.shells.contains(String(program.description.split(separator: "/").last ?? "")),
            let flag = argv.firstIndex(where: { $0.isLiteral && $0.description == "-c" }), flag + 1 < argv.count,
            !argv[flag + 1].isLiteral
        else { return }
        reader.sink.warning(
            "unsafe-interpolation",
            "a parameter is interpolated into a shell script in run of \(context), so the shell interprets its value; pass it with env: and write \"$NAME\" in the script",
            at: argv[flag + 1].position)
    }
}
