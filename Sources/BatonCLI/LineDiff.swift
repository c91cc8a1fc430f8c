/// A line diff by longest common subsequence: every line of both texts, in order, marked kept, removed or added.
struct LineDiff: Sendable, Equatable {
    enum Operation: String, Codable, Sendable {
        case keep = " "
        case remove = "-"
        case add = "+"
    }

    struct Line: Codable, Sendable, Equatable {
        var op: Operation
        var text: String
    }

    var lines: [Line]

    /// Whether the texts differ.
    var hasChanges: Bool { lines.contains { $0.op != .keep } }

    init(lines: [Line]) { self.lines = lines }

    init(from old: String, to new: String) {
        let a = Self.split(old)
        let b = Self.split(new)
        // common[i][j]: length of the longest common subsequence of a[i...] and b[j...].
        var common = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var lines: [Line] = []
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                lines.append(Line(op: .keep, text: a[i]))
                (i, j) = (i + 1, j + 1)
            } else if i < a.count, j == b.count || common[i + 1][j] >= common[i][j + 1] {
                lines.append(Line(op: .remove, text: a[i]))
                i += 1
            } else {
                lines.append(Line(op: .add, text: b[j]))
                j += 1
            }
        }
        self.lines = lines
    }

    /// The changed lines with `context` unchanged lines around each change; `...` marks what is left out.
    func rendered(context: Int = 3) -> [(op: Operation, text: String)] {
        let changed = lines.indices.filter { lines[$0].op != .keep }
        var shown = Set<Int>()
        for index in changed { shown.formUnion(max(0, index - context)...min(lines.count - 1, index + context)) }
        var result: [(op: Operation, text: String)] = []
        var skipped = false
        for (index, line) in lines.enumerated() {
            guard shown.contains(index) else {
                skipped = true
                continue
            }
            if skipped { result.append((.keep, "...")) }
            skipped = false
            result.append((line.op, line.text))
        }
        return result
    }

    private static func split(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
