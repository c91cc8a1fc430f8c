import ArgumentParser
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
            """
    )

    @Argument(help: ArgumentHelp("The playbook files to check.", valueName: "file"))
    var files: [String]

    @Option(help: "Output format: text, or json ({\"files\":[{\"file\",\"ok\",\"diagnostics\"}]}).")
    var format: OutputFormat = .text

    @OptionGroup var modules: ModuleOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one playbook file to lint") }
    }

    func run() throws {
        var reports: [LintReport.FileReport] = []
        var summaries: [String] = []
        for file in files {
            let diagnostics: [Diagnostic]
            var summary: String
            switch PlaybookInput.read(file) {
            case .failure(let diagnostic):
                diagnostics = [diagnostic]
                summary = Console.styled(PlaybookInput.counts(diagnostics), .red)
            case .success(let source):
                let (playbook, found, _) = PlaybookInput.load(source, path: file, modules: modules)
                diagnostics = found
                if let playbook {
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
}
