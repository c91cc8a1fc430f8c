import ArgumentParser
import BatonModel
import BatonPolicy
import BatonSpec

/// `baton playbook lint FILE...`
struct PlaybookLintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check playbook files for errors and warnings.",
        discussion: """
            Each file is parsed and checked: structure, step ids, tiers, needs (unknown steps, cycles), \
            probes, durations and parameter references. Every problem is printed as \
            `file:line:column: severity: message`, followed by one summary line per file. \
            The exit status is 0 when no file has an error (warnings are allowed) and 1 otherwise. \
            Use `-` to read a playbook from standard input.

            Examples:
              baton playbook lint cache.yaml
              baton playbook lint playbooks/*.yaml --format json
              baton playbook lint restore.yaml --policy policies/

            With --policy, a playbook that loads is also planned with its parameters' defaults and checked \
            against every policy file of the directory (as batond does at start); each violation is an \
            error at the step it concerns, naming the rule.
            """
    )

    @Argument(help: ArgumentHelp("The playbook files to check.", valueName: "file"))
    var files: [String]

    @Option(help: "Output format: text, or json ({\"files\":[{\"file\",\"ok\",\"diagnostics\"}]}).")
    var format: OutputFormat = .text

    @OptionGroup var modules: ModuleOptions

    @OptionGroup var policy: PolicyOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one playbook file to lint") }
    }

    func run() throws {
        let policies = try policy.load()
        var reports: [LintReport.FileReport] = []
        var summaries: [String] = []
        for file in files {
            var diagnostics: [Diagnostic]
            var summary: String
            switch PlaybookInput.read(file) {
            case .failure(let diagnostic):
                diagnostics = [diagnostic]
                summary = Console.styled(PlaybookInput.counts(diagnostics), .red)
            case .success(let source):
                let (playbook, loaded, _) = PlaybookInput.load(source, path: file, modules: modules)
                var found = loaded
                if let playbook, let policies { found += Self.policyDiagnostics(playbook, policies, file: file) }
                diagnostics = found
                if let playbook, !found.containsErrors {
                    let steps = "\(playbook.steps.count) step\(playbook.steps.count == 1 ? "" : "s")"
                    let warnings = found.isEmpty ? "" : ", \(PlaybookInput.counts(found))"
                    summary = Console.styled("ok", .green) + " (\(steps)\(warnings))"
                } else {
                    summary = Console.styled(PlaybookInput.counts(found), .red)
                }
            }
            let name = PlaybookInput.displayName(file)
            reports.append(LintReport.FileReport(file: name, diagnostics: diagnostics))
            summaries.append("\(name): \(summary)")
            if format == .text { PlaybookInput.print(diagnostics, to: .out) }
        }
        switch format {
        case .text: summaries.forEach { Console.out($0) }
        case .json: try Console.printJSON(LintReport(files: reports))
        }
        if reports.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }

    /// The plan with default parameters against the policies: one error per violation, at its step.
    static func policyDiagnostics(_ playbook: Playbook, _ policies: PolicySet, file: String) -> [Diagnostic] {
        let name = PlaybookInput.displayName(file)
        guard case .success(let plan) = Planner.plan(playbook, parameters: [:]) else {
            return [
                Diagnostic(
                    file: name, line: 1, column: 1, severity: .warning, code: "policy-not-checked",
                    message: "policies not checked: the playbook needs parameters to be planned; use baton playbook plan --policy with --param")
            ]
        }
        return policies.check(plan: plan).map { violation in
            let position = playbook.steps.first { $0.id == violation.step }?.position ?? SourcePosition(line: 1, column: 1)
            return Diagnostic(
                file: name, line: position.line, column: position.column, severity: .error, code: "policy-violation",
                message: violation.description)
        }
    }
}
