import Foundation

/// Runs blocking system calls (DNS, connect, file reads) on a dedicated thread so that Swift's
/// cooperative pool is never blocked.
enum BlockingCall {
    /// Runs `body` on a new thread and returns its result, or `onTimeout` if `timeoutMilliseconds`
    /// (when given) passes first. A late `body` still finishes on its thread; its result is dropped.
    static func run<T: Sendable>(
        timeoutMilliseconds: Int64? = nil, onTimeout: @autoclosure @escaping @Sendable () -> T,
        _ body: @escaping @Sendable () -> T
    ) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let resumed = ExecLocked(false)
            let finish: @Sendable (T) -> Void = { value in
                let first = resumed.withLock { done -> Bool in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: value) }
            }
            let thread = Thread { finish(body()) }
            thread.name = "baton-blocking"
            thread.start()
            // Beyond a day the outer bound is pointless (and risks overflowing the dispatch clock).
            if let timeoutMilliseconds, timeoutMilliseconds < 86_400_000 {
                let delay = DispatchTimeInterval.milliseconds(Int(max(0, timeoutMilliseconds)))
                DispatchQueue.global().asyncAfter(deadline: .now() + delay) { finish(onTimeout()) }
            }
        }
    }
}
