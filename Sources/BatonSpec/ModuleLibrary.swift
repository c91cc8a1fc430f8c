import Foundation
import Yams

/// One module file as text, the form a client sends to the coordinator with a playbook.
public struct ModuleSource: Hashable, Sendable, Codable {
    /// The file name, as it should appear in diagnostics.
    public var file: String
    public var text: String

    public init(file: String, text: String) {
        self.file = file
        self.text = text
    }
}

/// The modules a playbook may use: name → version → source. A pure value; `scan` reads directories.
public struct ModuleLibrary: Hashable, Sendable {
    /// Name → version (`MAJOR.MINOR.PATCH`) → source.
    public private(set) var modules: [String: [String: ModuleSource]] = [:]

    public init() {}

    /// Indexes `sources` by the `metadata.name` and `metadata.version` each declares (only that header is
    /// read here; a module's steps are checked when a playbook uses it). Every source must be a module;
    /// one that is not, cannot be read, or repeats a name and version already indexed is reported and left out.
    public static func make(_ sources: [ModuleSource]) -> (library: ModuleLibrary, diagnostics: [Diagnostic]) {
        var library = ModuleLibrary()
        var diagnostics: [Diagnostic] = []
        for source in sources { diagnostics += library.add(source, requireModule: true) }
        return (library, diagnostics)
    }

    /// Every `*.yaml` / `*.yml` file under `directories` (recursively, in path order) whose `kind` is
    /// `Module`. Other YAML files (playbooks) are skipped; unreadable directories and broken module
    /// files are reported.
    public static func scan(directories: [String]) -> (library: ModuleLibrary, diagnostics: [Diagnostic]) {
        var library = ModuleLibrary()
        var diagnostics: [Diagnostic] = []
        let files = FileManager.default
        for directory in directories {
            var isDirectory: ObjCBool = false
            guard files.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
                let enumerator = files.enumerator(atPath: directory)
            else {
                diagnostics.append(
                    Diagnostic(
                        file: directory, at: .start, severity: .error, code: "unreadable-file",
                        message: "cannot read the module directory '\(directory)'"))
                continue
            }
            let paths = enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            for relative in paths.sorted() {
                let path = (directory as NSString).appendingPathComponent(relative)
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    diagnostics.append(
                        Diagnostic(
                            file: path, at: .start, severity: .error, code: "unreadable-file",
                            message: "cannot read '\(path)' as UTF-8 text"))
                    continue
                }
                diagnostics += library.add(ModuleSource(file: path, text: text), requireModule: false)
            }
        }
        return (library, diagnostics)
    }

    /// Every source, by name then version.
    public var sources: [ModuleSource] {
        modules.keys.sorted().flatMap { name in versions(of: name).compactMap { modules[name]?[$0] } }
    }

    /// The versions of `name`, oldest first.
    public func versions(of name: String) -> [String] {
        (modules[name]?.keys).map { $0.sorted { ModuleVersion($0)! < ModuleVersion($1)! } } ?? []
    }

    /// Only the modules named in `references`: `NAME@VERSION` keeps that version, `NAME` every version.
    /// (`Playbook.modules` lists what a playbook used, so a client can send only those.)
    public func restricted(to references: some Sequence<String>) -> ModuleLibrary {
        var kept = ModuleLibrary()
        for reference in references {
            let pieces = reference.split(separator: "@", maxSplits: 1).map(String.init)
            guard let name = pieces.first, let versions = modules[name] else { continue }
            for (version, source) in versions where pieces.count == 1 || pieces[1] == version {
                kept.modules[name, default: [:]][version] = source
            }
        }
        return kept
    }

    /// Why `uses:` found no module.
    enum ResolveProblem: Error {
        /// Not `NAME@VERSION` (or `NAME@MAJOR`, `NAME@MAJOR.MINOR`).
        case badReference
        case unknownModule(name: String)
        case unknownVersion(name: String, available: [String])
    }

    /// `NAME@1.2.3` → that version; `NAME@1` or `NAME@1.2` → the highest version with that prefix.
    func resolve(_ written: String) -> Result<(version: String, source: ModuleSource), ResolveProblem> {
        let pieces = written.split(separator: "@", omittingEmptySubsequences: false)
        guard pieces.count == 2, !pieces[0].isEmpty, let wanted = ModuleVersion(prefix: String(pieces[1])) else {
            return .failure(.badReference)
        }
        let name = String(pieces[0])
        guard let versions = modules[name] else { return .failure(.unknownModule(name: name)) }
        let candidates = versions.keys.compactMap { key in ModuleVersion(key).map { (version: $0, text: key) } }
        let best = candidates.filter { $0.version.components.starts(with: wanted.components) }.max { $0.version < $1.version }
        guard let best, let source = versions[best.text] else {
            return .failure(.unknownVersion(name: name, available: self.versions(of: name)))
        }
        return .success((best.text, source))
    }

    /// Indexes one source; the problems found.
    private mutating func add(_ source: ModuleSource, requireModule: Bool) -> [Diagnostic] {
        let sink = DiagnosticSink(file: source.file)
        // A broken YAML file found by a scan is only reported when it looks like a module.
        let quiet = !requireModule && !source.text.contains("Module")
        guard let root = PlaybookLoader.compose(source.text, sink: sink, what: "module") else {
            return quiet ? [] : sink.diagnostics
        }
        let kind = root["kind"]
        guard kind?.string == "Module" else {
            if requireModule {
                sink.error(
                    "not-a-module", "\(source.file) is not a module: it needs kind: Module",
                    at: kind.map(NodeReader.position) ?? .start)
            }
            return sink.diagnostics
        }
        let nameNode = root["metadata"]?["name"], versionNode = root["metadata"]?["version"]
        guard let name = nameNode?.string, DocumentParser.isPlaybookName(name), let versionNode,
            let version = versionNode.string, ModuleVersion(version) != nil
        else {
            // The full check (ModuleLoader) says exactly what is wrong.
            return ModuleLoader.load(source: source.text, file: source.file).diagnostics.filter(\.isError)
        }
        if let existing = modules[name]?[version] {
            sink.error(
                "duplicate-module", "module \(name)@\(version) is already defined in \(existing.file)",
                at: NodeReader.position(versionNode))
            return sink.diagnostics
        }
        modules[name, default: [:]][version] = source
        return sink.diagnostics
    }
}

/// `MAJOR.MINOR.PATCH`, compared numerically.
struct ModuleVersion: Comparable {
    var components: [Int]

    /// A full version: exactly three numbers.
    init?(_ text: String) {
        guard let parsed = ModuleVersion(prefix: text), parsed.components.count == 3 else { return nil }
        self = parsed
    }

    /// One to three numbers (`1`, `1.2`, `1.2.3`).
    init?(prefix text: String) {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(pieces.count),
            pieces.allSatisfy({ piece in
                !piece.isEmpty && piece.count <= 9 && piece.allSatisfy { $0.isASCII && $0.isNumber }
                    && (piece == "0" || !piece.hasPrefix("0"))
            })
        else { return nil }
        components = pieces.compactMap { Int($0) }
    }

    static func < (lhs: ModuleVersion, rhs: ModuleVersion) -> Bool { lhs.components.lexicographicallyPrecedes(rhs.components) }
}
