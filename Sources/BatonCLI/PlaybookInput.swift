import ArgumentParser
import BatonModel
import BatonSpec
import Foundation

/// Reading playbook files and reporting their diagnostics, shared by `playbook lint`, `playbook plan`
/// and `run start`.
enum PlaybookInput {
    /// How diagnostics name `path` (`<stdin>` for `-`).
    static func displayName(_ path: String) -> String { path == "-" ? "<stdin>" : path }

    /// The text of `path`, or a one-line reason it cannot be read. `-` reads standard input.
    static func read(_ path: String) -> Result<String, Diagnostic> {
        func failure(_ reason: String) -> Result<String, Diagnostic> {
            .failure(Diagnostic(file: displayName(path), line: 0, column: 0, severity: .error, code: "unreadable-file", message: reason))
        }
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                return failure("cannot read the playbook: no such file")
            }
            guard !isDirectory.boolValue else { return failure("cannot read the playbook: it is a directory") }
            guard FileManager.default.isReadableFile(atPath: path), let contents = FileManager.default.contents(atPath: path)
            else { return failure("cannot read the playbook: permission denied") }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return failure("cannot read the playbook: it is not UTF-8 text")
        }
        return .success(text)
    }

    /// `file:line:col: error: message`, or `file: error: message` when there is no position.
    static func format(_ diagnostic: Diagnostic, stream: Console.Stream) -> String {
        let place = diagnostic.line > 0 ? "\(diagnostic.file):\(diagnostic.line):\(diagnostic.column)" : diagnostic.file
        let severity = Console.styled(
            diagnostic.severity.rawValue + ":", diagnostic.isError ? .red : .yellow, on: stream)
        return "\(Console.styled(place + ":", .bold, on: stream)) \(severity) \(diagnostic.message)"
    }

    static func print(_ diagnostics: [Diagnostic], to stream: Console.Stream) {
        for diagnostic in diagnostics {
            let line = format(diagnostic, stream: stream)
            stream == .out ? Console.out(line) : Console.err(line)
        }
    }

    /// `2 errors, 1 warning`.
    static func counts(_ diagnostics: [Diagnostic]) -> String {
        let errors = diagnostics.filter(\.isError).count
        let warnings = diagnostics.count - errors
        var parts: [String] = []
        if errors > 0 { parts.append("\(errors) error\(errors == 1 ? "" : "s")") }
        if warnings > 0 { parts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }

    /// Loads `source` (read from `path`) with the modules found on the module path: `modules/` beside
    /// the playbook, then each `--module-path`, then `BATON_MODULE_PATH` (colon-separated).
    /// Returns the playbook (nil on errors), every diagnostic, and the sources of the modules it uses.
    static func load(
        _ source: String, path: String, modules: ModuleOptions
    ) -> (playbook: Playbook?, diagnostics: [Diagnostic], modules: [ModuleSource]) {
        let (library, libraryDiagnostics) = ModuleLibrary.scan(directories: modules.searchPath(besides: path))
        let (playbook, diagnostics) = PlaybookLoader.load(source: source, file: displayName(path), modules: library)
        let used = playbook.map { library.restricted(to: $0.modules).sources } ?? []
        // A broken module nobody uses is not this playbook's problem.
        let relevant = libraryDiagnostics.filter { diagnostic in
            diagnostic.isError == false || playbook == nil || used.contains { $0.file == diagnostic.file }
        }
        return (playbook, relevant + diagnostics, used)
    }

    /// Reads, loads and plans `path`; returns the plan, the file's text and the modules it uses.
    /// Diagnostics go to stderr (text) or, with errors in JSON mode, to stdout as a lint report;
    /// errors end the command with exit code 1.
    static func plan(
        _ path: String, parameters: [String: String], modules moduleOptions: ModuleOptions, format: OutputFormat
    ) throws -> (plan: Plan, source: String, modules: [ModuleSource]) {
        let source: String
        switch read(path) {
        case .success(let text): source = text
        case .failure(let diagnostic): throw report([diagnostic], file: displayName(path), format: format)
        }
        let (playbook, diagnostics, modules) = load(source, path: path, modules: moduleOptions)
        guard let playbook else { throw report(diagnostics, file: displayName(path), format: format) }
        switch Planner.plan(playbook, parameters: parameters) {
        case .failure(let planDiagnostics):
            throw report(diagnostics + planDiagnostics.all, file: displayName(path), format: format)
        case .success(let plan):
            print(diagnostics, to: .err)
            return (plan, source, modules)
        }
    }

    static func report(_ diagnostics: [Diagnostic], file: String, format: OutputFormat) -> ExitCode {
        switch format {
        case .text:
            print(diagnostics, to: .err)
            Console.err("\(file): \(counts(diagnostics))")
        case .json:
            try? Console.printJSON(LintReport(files: [LintReport.FileReport(file: file, diagnostics: diagnostics)]))
        }
        return ExitCode(1)
    }
}

/// The JSON of `baton playbook lint --format json`.
struct LintReport: Encodable {
    struct DiagnosticJSON: Encodable {
        var file: String
        var line: Int
        var column: Int
        var severity: String
        var code: String
        var message: String
    }

    struct FileReport: Encodable {
        var file: String
        var ok: Bool
        var diagnostics: [DiagnosticJSON]

        init(file: String, diagnostics: [Diagnostic]) {
            self.file = file
            self.ok = !diagnostics.containsErrors
            self.diagnostics = diagnostics.map {
                DiagnosticJSON(
                    file: $0.file, line: $0.line, column: $0.column, severity: $0.severity.rawValue, code: $0.code,
                    message: $0.message)
            }
        }
    }

    var files: [FileReport]
}

/// `--module-path DIR` (repeatable), shared by `playbook lint`, `playbook plan` and `run start`.
struct ModuleOptions: ParsableArguments {
    @Option(
        name: .customLong("module-path"),
        help: ArgumentHelp(
            "A directory searched (recursively) for modules used with `uses:` (repeatable). `modules/` beside the playbook and BATON_MODULE_PATH (colon-separated) are searched too.",
            valueName: "dir"))
    var directories: [String] = []

    /// `modules/` beside the playbook (if it exists), then the given directories, then BATON_MODULE_PATH.
    func searchPath(besides playbook: String) -> [String] {
        var path: [String] = []
        if playbook != "-" {
            let beside = URL(fileURLWithPath: playbook).deletingLastPathComponent().appendingPathComponent("modules").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: beside, isDirectory: &isDirectory), isDirectory.boolValue {
                path.append(beside)
            }
        }
        path += directories
        if let environment = ProcessInfo.processInfo.environment["BATON_MODULE_PATH"] {
            path += environment.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        return path
    }
}

/// `--param name=value` (repeatable), shared by `playbook plan` and `run start`.
struct ParameterOptions: ParsableArguments {
    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("Set a playbook parameter (repeatable).", valueName: "name=value"))
    var assignments: [String] = []

    func validate() throws { _ = try values() }

    /// The parameters by name; a value may itself contain `=`.
    func values() throws -> [String: String] { try Self.parse(assignments, option: "--param") }

    /// `NAME=VALUE` entries of a repeatable option, by name; a name given twice is an error.
    static func parse(_ entries: [String], option: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for entry in entries {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("invalid \(option) '\(entry)': expected NAME=VALUE, e.g. \(option) workdir=/tmp/x")
            }
            let name = String(entry[..<equals])
            guard values[name] == nil else { throw ValidationError("\(option) '\(name)' is given more than once") }
            values[name] = String(entry[entry.index(after: equals)...])
        }
        return values
    }
}
