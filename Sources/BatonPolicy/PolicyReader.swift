import BatonModel
import BatonSpec
import Foundation
import Yams

/// Reads YAML nodes of one policy file, collecting positioned diagnostics. Every reader returns nil
/// after reporting, so parsing goes on and finds more problems.
final class PolicyReader {
    private let sink: DiagnosticSink
    var diagnostics: [Diagnostic] { sink.diagnostics }
    var file: String { sink.file }

    init(file: String) { sink = DiagnosticSink(file: file) }

    func error(_ code: String, _ message: String, at position: SourcePosition) { sink.error(code, message, at: position) }

    func error(_ code: String, _ message: String, at node: Node) { error(code, message, at: Self.position(node)) }

    static func position(_ node: Node) -> SourcePosition { NodeReader.position(node) }

    static func isNull(_ node: Node) -> Bool { NodeReader.isNull(node) }

    static func describe(_ node: Node) -> String { NodeReader.describe(node) }

    /// The YAML document, or nil after a `yaml-syntax`, `duplicate-key` or `empty-document` diagnostic.
    func compose(_ text: String, what: String = "policy", body: String = "rules") -> Node? {
        PlaybookLoader.compose(text, sink: sink, what: what, body: body)
    }

    /// A mapping whose keys are all in `allowed` (else `unknown-key`, with a suggestion) and that has
    /// every key of `required` (else `missing-key`). Null values count as absent.
    func fields(_ node: Node, in context: String, allowed: [String], required: [String] = []) -> PolicyFields? {
        guard case .mapping(let mapping) = node else {
            error("type-mismatch", "\(context) must be a mapping, found \(Self.describe(node))", at: node)
            return nil
        }
        var fields = PolicyFields(position: Self.position(node))
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key, !Self.isNull(key) else {
                error("type-mismatch", "keys in \(context) must be strings, found \(Self.describe(key))", at: key)
                continue
            }
            let name = scalar.string
            guard allowed.contains(name) else {
                error(
                    "unknown-key",
                    "unknown key '\(name)' in \(context)\(didYouMean(name, in: allowed)); allowed keys: "
                        + allowed.joined(separator: ", "), at: key)
                continue
            }
            if Self.isNull(value) {
                error("missing-value", "'\(name)' in \(context) has no value", at: key)
                fields.nullKeys.insert(name)
            } else {
                fields.values[name] = value
            }
        }
        for name in required where fields[name] == nil && !fields.nullKeys.contains(name) {
            error("missing-key", "\(context) is missing the required key '\(name)'", at: fields.position)
        }
        return fields
    }

    func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            error("type-mismatch", "\(what) must be a string, found \(Self.describe(node))", at: node)
            return nil
        }
        return scalar.string
    }

    func nonEmptyString(_ node: Node, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            error("bad-value", "\(what) must not be empty", at: node)
            return nil
        }
        return text
    }

    func positiveInt(_ node: Node, _ what: String) -> Int? {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            error("type-mismatch", "\(what) must be an integer, found \(Self.describe(node))", at: node)
            return nil
        }
        guard value > 0 else {
            error("bad-value", "\(what) must be at least 1, not \(value)", at: node)
            return nil
        }
        return value
    }

    func list(_ node: Node, _ what: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            error("type-mismatch", "\(what) must be a list, found \(Self.describe(node))", at: node)
            return nil
        }
        return Array(sequence)
    }

    /// A non-empty list of non-empty strings.
    func stringList(_ node: Node, _ what: String) -> [String]? {
        guard let items = list(node, what) else { return nil }
        guard !items.isEmpty else {
            error("bad-value", "\(what) must not be empty", at: node)
            return nil
        }
        let strings = items.compactMap { nonEmptyString($0, "each item of \(what)") }
        return strings.count == items.count ? strings : nil
    }

    /// A duration greater than zero (`500ms`, `15m`, `1h30m`).
    func duration(_ node: Node, _ what: String) -> Int64? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            error("bad-duration", "\(what) must be a duration like 30s, 15m or 2h, found \(Self.describe(node))", at: node)
            return nil
        }
        guard let milliseconds = PlaybookDuration.parse(scalar.string) else {
            error(
                "bad-duration",
                "\(what) '\(scalar.string)' is not a duration; write a number with a unit (ms, s, m, h), like 30s, 15m or 2h",
                at: node)
            return nil
        }
        guard milliseconds > 0 else {
            error("bad-duration", "\(what) must be longer than zero", at: node)
            return nil
        }
        return milliseconds
    }

    /// `; did you mean 'x'?` for a likely typo, or the empty string.
    func didYouMean(_ word: String, in candidates: [String]) -> String {
        Suggestions.didYouMean(word, in: candidates)
    }
}

/// The checked keys of one mapping.
struct PolicyFields {
    let position: SourcePosition
    var values: [String: Node] = [:]
    /// Keys written with no value (already reported).
    var nullKeys: Set<String> = []

    init(position: SourcePosition) { self.position = position }

    subscript(name: String) -> Node? { values[name] }
}
