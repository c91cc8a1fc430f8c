import BatonModel

/// Finds the module of each `uses:` step in a library and loads it, once per module version.
final class ModuleResolver {
    let library: ModuleLibrary
    private var loaded: [String: Module?] = [:]
    /// The diagnostics of every module loaded, in order of first use.
    private(set) var diagnostics: [Diagnostic] = []
    /// `NAME@VERSION` of every module resolved, in order of first use.
    private(set) var used: [String] = []

    init(library: ModuleLibrary) { self.library = library }

    /// The module `uses` names, or nil after reporting why there is none (to the playbook's sink).
    func module(for uses: UsesSpec, sink: DiagnosticSink) -> Module? {
        let context = "step '\(uses.id)'"
        switch library.resolve(uses.module) {
        case .failure(.badReference):
            sink.error(
                "bad-value",
                "uses of \(context) must be NAME@VERSION, like pg-replica-lag@1.0.0 (or @1, @1.2 for the newest matching version), not '\(uses.module)'",
                at: uses.modulePosition)
        case .failure(.unknownModule(let name)):
            let names = library.modules.keys.sorted()
            let known = names.isEmpty ? "no modules are loaded" : "available: \(names.joined(separator: ", "))"
            sink.error(
                "unknown-module",
                "\(context) uses module '\(name)', which is not in the module library\(Suggestions.didYouMean(name, in: names)) (\(known))",
                at: uses.modulePosition)
        case .failure(.unknownVersion(let name, let available)):
            sink.error(
                "unknown-module-version",
                "\(context) uses '\(uses.module)', but no version of module '\(name)' matches; available versions: \(available.joined(separator: ", "))",
                at: uses.modulePosition)
        case .success(let found):
            let reference = "\(uses.module.split(separator: "@")[0])@\(found.version)"
            if loaded[reference] == nil {
                let (module, found) = ModuleLoader.load(source: found.source.text, file: found.source.file)
                loaded[reference] = .some(module)
                diagnostics += found
                used.append(reference)
            }
            guard let module = loaded[reference] ?? nil else {
                sink.error(
                    "bad-module", "\(context) uses module \(reference), which has errors (see \(found.source.file))",
                    at: uses.modulePosition)
                return nil
            }
            return module
        }
        return nil
    }
}
