import BatonSpec
import Foundation

extension PolicySet {
    /// Loads every `.yaml` / `.yml` file of `directory` (not recursive), in name order. The only
    /// part of BatonPolicy that touches the file system.
    public static func load(directory: URL) -> (PolicySet?, [Diagnostic]) { load(directories: [directory]) }

    /// The policy files of every directory as one set: rule ids must be unique across all of them.
    public static func load(directories: [URL]) -> (PolicySet?, [Diagnostic]) {
        var sources: [(file: String, text: String)] = []
        var diagnostics: [Diagnostic] = []
        for directory in directories {
            let (found, problems) = files(in: directory)
            sources += found
            diagnostics += problems
        }
        let (set, loaded) = load(sources: sources)
        let all = diagnostics + loaded
        return (all.containsErrors ? nil : set, all)
    }

    private static func files(in directory: URL) -> ([(file: String, text: String)], [Diagnostic]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            let diagnostic = Diagnostic(
                file: directory.path, line: 1, column: 1, severity: .error, code: "unreadable",
                message: "cannot list the policy directory: \(error.localizedDescription)")
            return ([], [diagnostic])
        }
        var sources: [(file: String, text: String)] = []
        var diagnostics: [Diagnostic] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let url = directory.appendingPathComponent(name)
            do {
                sources.append((url.path, try String(contentsOf: url, encoding: .utf8)))
            } catch {
                diagnostics.append(
                    Diagnostic(
                        file: url.path, line: 1, column: 1, severity: .error, code: "unreadable",
                        message: "cannot read the policy file: \(error.localizedDescription)"))
            }
        }
        return (sources, diagnostics)
    }
}
