import BatonSpec
import Foundation

extension PolicySet {
    /// Loads every `.yaml` / `.yml` file of `directory` (not recursive), in name order. The only
    /// part of BatonPolicy that touches the file system.
    public static func load(directory: URL) -> (PolicySet?, [Diagnostic]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            let diagnostic = Diagnostic(
                file: directory.path, line: 1, column: 1, severity: .error, code: "unreadable",
                message: "cannot list the policy directory: \(error.localizedDescription)")
            return (nil, [diagnostic])
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
        let (set, loaded) = load(sources: sources)
        let all = diagnostics + loaded
        return (all.containsErrors ? nil : set, all)
    }
}
