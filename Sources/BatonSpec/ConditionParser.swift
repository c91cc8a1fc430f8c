import BatonModel
import Yams

/// `when:`: `LEFT == RIGHT`, `LEFT != RIGHT`, or a single `${{ … }}` expression (which must equal `true`).
extension StepParser {
    func parseWhen(_ node: Node, _ context: String) -> ConditionSpec? {
        let what = "when of \(context)"
        guard let text = reader.string(node, what) else { return nil }
        let usage = "write LEFT == RIGHT, LEFT != RIGHT or a single ${{ ... }} expression that must be true"
        guard let split = Self.splitCondition(text) else {
            reader.error("bad-condition", "\(what) cannot be read: '\(text)'; \(usage)", at: node)
            return nil
        }
        guard let left = reader.template(split.left, at: node), let right = reader.template(split.right, at: node) else {
            return nil
        }
        if split.isBare, left.soleExpression == nil {
            reader.error("bad-condition", "\(what) is not a single expression: '\(text)'; \(usage)", at: node)
            return nil
        }
        return ConditionSpec(left: left, comparison: split.comparison, right: right, position: NodeReader.position(node))
    }

    /// Splits on the first ` == ` or ` != ` outside `${{ }}`; each side is trimmed and loses one pair of
    /// surrounding quotes. Without an operator the whole text is the left side and the right is `true`.
    /// Nil when a side is empty (and was not quoted).
    static func splitCondition(
        _ text: String
    ) -> (left: String, comparison: Condition.Comparison, right: String, isBare: Bool)? {
        var index = text.startIndex
        var inside = false
        while index < text.endIndex {
            let rest = text[index...]
            if inside {
                if rest.hasPrefix("}}") { inside = false }
            } else if rest.hasPrefix("${{") {
                inside = true
            } else if rest.hasPrefix(" == ") || rest.hasPrefix(" != ") {
                let comparison: Condition.Comparison = rest.hasPrefix(" == ") ? .equals : .notEquals
                guard let left = side(text[..<index]), let right = side(rest.dropFirst(4)) else { return nil }
                return (left, comparison, right, false)
            }
            index = text.index(after: index)
        }
        let whole = text.trimmingWhitespace()
        guard whole.hasPrefix("${{"), whole.hasSuffix("}}") else { return nil }
        return (String(whole), .equals, "true", true)
    }

    private static func side(_ text: Substring) -> String? {
        let trimmed = text.trimmingWhitespace()
        for quote in ["\"", "'"] where trimmed.count >= 2 && trimmed.hasPrefix(quote) && trimmed.hasSuffix(quote) {
            return String(trimmed.dropFirst().dropLast())
        }
        return trimmed.isEmpty ? nil : String(trimmed)
    }
}
