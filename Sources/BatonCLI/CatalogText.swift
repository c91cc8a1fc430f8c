import BatonAPI

/// How catalog versions read in text output.
enum CatalogText {
    /// The first 12 hex digits, enough to tell versions apart by eye.
    static func shortHash(_ hash: String) -> String { String(hash.prefix(12)) }

    static func style(state: String) -> Console.Style? {
        switch state {
        case "published": .green
        case "deprecated": .yellow
        case "retired": .red
        default: .dim
        }
    }

    /// `name: value` lines describing a version's content and lifecycle.
    static func metadata(_ version: CatalogVersionView) -> [String] {
        var lines = [
            "version:     \(version.reference)",
            "state:       \(Console.styled(version.state, style(state: version.state)))",
            "hash:        \(version.contentHash)",
            "file:        \(version.fileName)",
            "author:      \(version.author) at \(TimeText.clock(version.pushedAt))",
        ]
        if let publisher = version.publisher, let at = version.publishedAt {
            lines.append("published:   by \(publisher) at \(TimeText.clock(at))")
        }
        if let by = version.deprecatedBy, let at = version.deprecatedAt {
            lines.append("deprecated:  by \(by) at \(TimeText.clock(at))")
        }
        if let by = version.retiredBy, let at = version.retiredAt {
            lines.append("retired:     by \(by) at \(TimeText.clock(at))")
        }
        if let replacement = version.replacement { lines.append("replacement: \(replacement)") }
        if let reason = version.reason { lines.append("reason:      \(reason)") }
        for module in version.modules ?? [] { lines.append("module:      \(module.file)") }
        return lines
    }

    /// What publish, deprecate and retire print.
    static func printChange(_ version: CatalogVersionView, format: OutputFormat) throws {
        guard format == .text else { return try Console.printJSON(version) }
        let pointer = version.replacement.map { "; use \($0)" } ?? ""
        switch version.state {
        case "published": Console.out("published \(version.reference) (\(shortHash(version.contentHash))); runs can start from it")
        case "deprecated": Console.out("deprecated \(version.reference)\(pointer); runs still start, with a warning")
        case "retired": Console.out("retired \(version.reference)\(pointer); new runs are refused")
        default: Console.out("\(version.reference) is \(version.state)")
        }
    }
}
