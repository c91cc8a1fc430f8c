import Glibc

/// POSIX extended regular expressions (`regcomp`/`regexec`), as `stdout_matches` specifies.
/// Compiled with `REG_NEWLINE`, so `^` and `$` match at line boundaries, as with grep.
enum POSIXRegex {
    /// Whether `pattern` matches somewhere in `text`; `.failure` carries the compiler's message
    /// for an invalid pattern.
    static func matches(_ pattern: String, in text: String) -> Result<Bool, RegexError> {
        var regex = regex_t()
        let flags = REG_EXTENDED | REG_NOSUB | REG_NEWLINE
        let rc = regcomp(&regex, pattern, flags)
        guard rc == 0 else {
            var message = [UInt8](repeating: 0, count: 256)
            message.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { _ = regerror(rc, &regex, $0.baseAddress, $0.count) }
            }
            let text = message.prefix { $0 != 0 }
            return .failure(RegexError(message: String(decoding: text, as: UTF8.self)))
        }
        defer { regfree(&regex) }
        return .success(regexec(&regex, text, 0, nil, 0) == 0)
    }

    struct RegexError: Error, Equatable, Sendable {
        var message: String
    }
}
