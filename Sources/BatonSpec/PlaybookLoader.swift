import Foundation
import Yams

/// YAML text → `Playbook`, with every problem found reported as a diagnostic.
public enum PlaybookLoader {
    /// Parses and lints `source` with no modules available. Returns the playbook only when there are no
    /// errors (warnings allowed). Diagnostics are sorted by position; `file` is only used to name the file in them.
    public static func load(source: String, file: String) -> (playbook: Playbook?, diagnostics: [Diagnostic]) {
        load(source: source, file: file, modules: ModuleLibrary())
    }

    /// Parses and lints `source`, expanding each `uses:` step with a module from `modules`. The
    /// diagnostics are the playbook's (sorted by position), then those of each module used, in order of
    /// first use (each in its own file, sorted by position). `Playbook.modules` lists what was used.
    public static func load(
        source: String, file: String, modules: ModuleLibrary
    ) -> (playbook: Playbook?, diagnostics: [Diagnostic]) {
        let sink = DiagnosticSink(file: file)
        guard let root = compose(source, sink: sink, what: "playbook") else { return (nil, sink.diagnostics) }
        let resolver = ModuleResolver(library: modules)
        let playbook = DocumentParser(reader: NodeReader(sink: sink), modules: resolver).parse(root, file: file)
        let diagnostics = sink.diagnostics.sortedByPosition() + resolver.diagnostics
        return (diagnostics.containsErrors ? nil : playbook, diagnostics)
    }

    /// The YAML document in `source`, or nil after reporting why there is none (`what`: playbook,
    /// module, policy; `body`: the section an empty document lacks besides the header).
    package static func compose(_ source: String, sink: DiagnosticSink, what: String, body: String = "steps") -> Node? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: source)
        } catch {
            sink.diagnostics(forYAMLError: error, source: source, what: what)
            return nil
        }
        guard let root, !isBlank(root) else {
            sink.error(
                "empty-document", "the \(what) is empty; it needs apiVersion, kind, metadata and \(body)", at: .start)
            return nil
        }
        return root
    }

    private static func isBlank(_ node: Node) -> Bool {
        if case .scalar = node { return NodeReader.isNull(node) }
        return false
    }
}

extension DiagnosticSink {
    /// Turns a Yams error into a `yaml-syntax` (or `duplicate-key`) diagnostic at the position Yams reports.
    fileprivate func diagnostics(forYAMLError error: any Error, source: String, what: String) {
        guard let yamlError = error as? YamlError else {
            self.error("yaml-syntax", "cannot read the YAML: \(error)", at: .start)
            return
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            let message =
                problem.contains("another document")
                ? "a \(what) file must hold a single YAML document; another one starts here"
                : "invalid YAML: \(problem)\(detail)"
            self.error(
                "yaml-syntax", message,
                at: SourcePosition(line: mark.line, column: mark.column))
        case .reader(let problem, let offset, _, _):
            let position = offset.map { Self.position(ofCharacterOffset: $0, in: source) } ?? .start
            self.error("yaml-syntax", "cannot read the file: \(problem)", at: position)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let first = SourcePosition(line: context.mark.line, column: context.mark.column)
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let second = duplicates.first.flatMap { Self.repeatedKey($0, after: first, in: source) }
            let message =
                second != nil
                ? "duplicate key \(keys) in a mapping; it is already set at line \(first.line), column \(first.column)"
                : "duplicate key \(keys) in the mapping at line \(first.line)"
            self.error("duplicate-key", message, at: second ?? first)
        default:
            self.error("yaml-syntax", "cannot read the YAML: \(yamlError)", at: .start)
        }
    }

    /// The line/column of the `offset`-th character of `source`.
    private static func position(ofCharacterOffset offset: Int, in source: String) -> SourcePosition {
        var line = 1, column = 1
        for character in source.prefix(offset) {
            if character == "\n" { (line, column) = (line + 1, 1) } else { column += character.unicodeScalars.count }
        }
        return SourcePosition(line: line, column: column)
    }

    /// Where `key` is written again after `first`: on a later line in the same column (block style)
    /// or later on the same line (flow style). Nil when it cannot be told from the text.
    private static func repeatedKey(_ key: String, after first: SourcePosition, in source: String) -> SourcePosition? {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        let pattern = Array(key.unicodeScalars)
        func keyStarts(_ line: [Unicode.Scalar], at column: Int) -> Bool {
            let start = column - 1
            guard start >= 0, start + pattern.count < line.count, Array(line[start..<start + pattern.count]) == pattern
            else { return false }
            let rest = line[(start + pattern.count)...].drop { $0 == " " }
            return rest.first == ":"
        }
        guard first.line - 1 < lines.count else { return nil }
        let firstLine = lines[first.line - 1]
        if firstLine.count > first.column {
            for column in (first.column + 1)...firstLine.count where keyStarts(firstLine, at: column) {
                let before = firstLine[..<(column - 1)].last { $0 != " " }
                if before == "," || before == "{" { return SourcePosition(line: first.line, column: column) }
            }
        }
        for index in first.line..<lines.count {
            let line = lines[index]
            let indent = line.prefix { $0 == " " }.count
            if indent < first.column - 1, line.contains(where: { $0 != " " }), line.first != "#" { break }
            if indent == first.column - 1, keyStarts(line, at: first.column) {
                return SourcePosition(line: index + 1, column: first.column)
            }
        }
        return nil
    }
}
