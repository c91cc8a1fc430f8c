import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `--format text|json`, shared by every command that prints a result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// Writing to stdout and stderr, with colours only when the stream is a terminal.
enum Console {
    enum Stream { case out, err }

    /// ANSI styles used by the CLI.
    enum Style: String {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
        case magenta = "35"
        case cyan = "36"
    }

    static let stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    static let stderrIsTerminal = isatty(STDERR_FILENO) == 1

    /// Colours are used when the stream is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    static func colours(_ stream: Stream) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        guard environment["NO_COLOR"] == nil, environment["TERM"] != "dumb" else { return false }
        return stream == .out ? stdoutIsTerminal : stderrIsTerminal
    }

    static func styled(_ text: String, _ style: Style?, on stream: Stream = .out) -> String {
        guard let style, colours(stream), !text.isEmpty else { return text }
        return "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m"
    }

    /// A line on stdout, flushed at once (watch output must appear as it happens).
    static func out(_ line: String = "", terminator: String = "\n") {
        print(line, terminator: terminator)
        fflush(nil)
    }

    /// A line on stderr; stdout is flushed first so the two stay in order on a shared terminal.
    static func err(_ line: String) {
        fflush(nil)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Prints `Error: message` on stderr and returns the exit code to throw.
    static func fail(_ message: String, exitCode: Int32 = 1) -> ExitCode {
        err(styled("Error:", .red, on: .err) + " " + message)
        return ExitCode(exitCode)
    }

    /// `value` as pretty JSON with sorted keys, printed on stdout.
    static func printJSON<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        out(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// Human-readable times and durations; every timestamp from batond is milliseconds since the Unix epoch.
enum TimeText {
    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// `HH:MM:SS.mmm` in local time.
    static func clock(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        let millis = Int(milliseconds % 1000 + 1000) % 1000
        return String(format: "%02d:%02d:%02d.%03d", parts.tm_hour, parts.tm_min, parts.tm_sec, millis)
    }

    /// `340ms`, `12.3s`, `4m05s`, `1h02m`.
    static func duration(_ milliseconds: Int64) -> String {
        let ms = max(0, milliseconds)
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
        let seconds = ms / 1000
        if seconds < 3600 { return String(format: "%dm%02ds", seconds / 60, seconds % 60) }
        return String(format: "%dh%02dm", seconds / 3600, (seconds % 3600) / 60)
    }
}

/// A plain-text table: columns padded to their widest cell; styles are applied after padding
/// so escape codes never upset the alignment.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []
    /// The style of a cell, given its column index and text.
    var style: (Int, String) -> Console.Style? = { _, _ in nil }

    init(_ headers: [String]) { self.headers = headers }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> [String] {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String], header: Bool) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let isLast = index == cells.count - 1
                let padded = isLast ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                parts.append(Console.styled(padded, header ? .bold : style(index, cell)))
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return [line(headers, header: true)] + rows.map { line($0, header: false) }
    }
}
