import BatonModel
import Glibc

/// Time sources used by the execution layer.
enum ExecClock {
    /// A monotonic clock in milliseconds, for deadlines (unaffected by wall-clock jumps).
    static func monotonicMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The monotonic time `milliseconds` from now, saturating instead of overflowing.
    static func deadline(afterMilliseconds milliseconds: Int64) -> Int64 {
        let (sum, overflow) = monotonicMilliseconds().addingReportingOverflow(max(0, milliseconds))
        return overflow ? Int64.max : sum
    }

    /// Milliseconds left until `deadline`, clamped to what `poll` accepts (never negative).
    static func pollTimeout(until deadline: Int64) -> Int32 {
        let left = deadline - monotonicMilliseconds()
        return Int32(clamping: max(0, left))
    }
}

/// `errno` values as text, for evidence and spawn errors.
enum SystemError {
    /// `strerror` as a Swift string (`Connection refused`).
    static func text(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// `strerror` with a lower-case first letter, to read well inside a sentence.
    static func lowercasedText(_ code: Int32) -> String {
        let text = self.text(code)
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
