/// A 1-based line and column inside a playbook file.
public struct SourcePosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The start of the file; used when nothing more precise is known.
    public static let start = SourcePosition(line: 1, column: 1)

    public var description: String { "\(line):\(column)" }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// One problem found while loading or planning a playbook, with where it is.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case error, warning }

    public var file: String
    /// 1-based.
    public var line: Int
    /// 1-based, counted in Unicode scalars.
    public var column: Int
    public var severity: Severity
    /// A stable machine-readable kind, e.g. `unknown-key`, `cycle`, `bad-duration`.
    public var code: String
    public var message: String

    public init(file: String, line: Int, column: Int, severity: Severity, code: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.code = code
        self.message = message
    }

    public init(file: String, at position: SourcePosition, severity: Severity, code: String, message: String) {
        self.init(
            file: file, line: position.line, column: position.column, severity: severity, code: code, message: message)
    }

    public var position: SourcePosition { SourcePosition(line: line, column: column) }
    public var isError: Bool { severity == .error }

    /// `file:line:column: error: message`, the form compilers and editors understand.
    public var description: String {
        "\(file):\(line):\(column): \(severity.rawValue): \(message)"
    }
}

extension Array where Element == Diagnostic {
    /// True when at least one diagnostic is an error (warnings alone do not count).
    public var containsErrors: Bool { contains { $0.isError } }

    /// Diagnostics ordered by position; the order they were found in breaks ties.
    func sortedByPosition() -> [Diagnostic] {
        enumerated().sorted { lhs, rhs in
            if lhs.element.position != rhs.element.position { return lhs.element.position < rhs.element.position }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }
}

/// Collects diagnostics for one file while a parser walks it.
package final class DiagnosticSink {
    package let file: String
    package private(set) var diagnostics: [Diagnostic] = []

    package init(file: String) { self.file = file }

    package func error(_ code: String, _ message: String, at position: SourcePosition) {
        diagnostics.append(Diagnostic(file: file, at: position, severity: .error, code: code, message: message))
    }

    func warning(_ code: String, _ message: String, at position: SourcePosition) {
        diagnostics.append(Diagnostic(file: file, at: position, severity: .warning, code: code, message: message))
    }

    var hasErrors: Bool { diagnostics.containsErrors }
}

/// Several diagnostics as one error (what `Planner.plan` fails with); a collection of `Diagnostic`.
public struct Diagnostics: Error, Hashable, Sendable, RandomAccessCollection, CustomStringConvertible {
    public var all: [Diagnostic]

    public init(_ all: [Diagnostic]) { self.all = all }

    public var startIndex: Int { all.startIndex }
    public var endIndex: Int { all.endIndex }
    public subscript(position: Int) -> Diagnostic { all[position] }

    /// One diagnostic per line.
    public var description: String { all.map(\.description).joined(separator: "\n") }
}
