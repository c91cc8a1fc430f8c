import Foundation
import Glibc

/// Why a process could not be started (`no such file: foo`).
struct SpawnFailure: Error, Sendable, Equatable {
    var message: String
}

/// A child started by `Spawn.start`: it leads its own process group (pgid == pid).
struct SpawnedProcess: Sendable {
    var pid: pid_t
    /// Read ends of the child's stdout and stderr pipes (non-blocking, close-on-exec).
    var stdoutFD: Int32
    var stderrFD: Int32
}

/// `posix_spawn` in argv form: never through a shell.
enum Spawn {
    /// The search path used when the environment has no `PATH` (the libc default).
    static let defaultSearchPath = "/bin:/usr/bin"

    /// The agent's environment with `overlay` applied on top.
    static func mergedEnvironment(overlay: [String: String]) -> [String: String] {
        var merged: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                let key = String(text[..<eq])
                if merged[key] == nil { merged[key] = String(text[text.index(after: eq)...]) }
            }
            cursor += 1
        }
        for (key, value) in overlay { merged[key] = value }
        return merged
    }

    /// Resolves `name` the way `execvp` does, but against the child's own `PATH`.
    /// A name containing `/` is used as written.
    static func resolveExecutable(_ name: String, searchPath: String?) -> Result<String, SpawnFailure> {
        if name.isEmpty { return .failure(SpawnFailure(message: "empty executable name")) }
        if name.contains("/") { return .success(name) }
        var sawNonExecutable = false
        for dir in (searchPath ?? defaultSearchPath).split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = dir.hasSuffix("/") ? "\(dir)\(name)" : "\(dir)/\(name)"
            var info = stat()
            guard stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if access(candidate, X_OK) == 0 { return .success(candidate) }
            sawNonExecutable = true
        }
        return .failure(SpawnFailure(message: sawNonExecutable ? "permission denied: \(name)" : "no such file: \(name)"))
    }

    /// Starts `argv` with `environment` (the complete environment, see `mergedEnvironment`).
    /// The child: own process group, default signal dispositions, empty signal mask, stdin from
    /// /dev/null, stdout/stderr into fresh pipes. (Other agent descriptors must be close-on-exec,
    /// as SwiftNIO's and Foundation's are.)
    static func start(argv: [String], environment: [String: String]) -> Result<SpawnedProcess, SpawnFailure> {
        guard let name = argv.first else { return .failure(SpawnFailure(message: "empty argv")) }
        if argv.contains(where: { $0.utf8.contains(0) }) {
            return .failure(SpawnFailure(message: "argument contains a NUL byte"))
        }
        let path: String
        switch resolveExecutable(name, searchPath: environment["PATH"]) {
        case .success(let resolved): path = resolved
        case .failure(let failure): return .failure(failure)
        }

        // Pipe creation and spawning are serialised: `pipe2` is not importable here, so a pipe is
        // briefly inheritable before its close-on-exec flag is set, and a concurrent spawn must
        // not copy it into another child (which would hold that pipe open).
        spawnLock.lock()
        defer { spawnLock.unlock() }
        guard let out = makePipe() else { return .failure(SpawnFailure(message: "pipe: \(SystemError.text(errno))")) }
        guard let err = makePipe() else {
            close(out.read)
            close(out.write)
            return .failure(SpawnFailure(message: "pipe: \(SystemError.text(errno))"))
        }
        defer {
            close(out.write)
            close(err.write)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out.write, 1)
        posix_spawn_file_actions_adddup2(&actions, err.write, 2)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attr, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attr, &allSignals)

        let envStrings = environment.map { "\($0.key)=\($0.value)" }.filter { !$0.utf8.contains(0) }
        var pid: pid_t = 0
        let rc = withCStringArray(argv) { cArgv in
            withCStringArray(envStrings) { cEnv in
                posix_spawn(&pid, path, &actions, &attr, cArgv, cEnv)
            }
        }
        guard rc == 0 else {
            close(out.read)
            close(err.read)
            return .failure(SpawnFailure(message: describeSpawnError(rc, name: name)))
        }
        return .success(SpawnedProcess(pid: pid, stdoutFD: out.read, stderrFD: err.read))
    }

    static func describeSpawnError(_ code: Int32, name: String) -> String {
        switch code {
        case ENOENT: return "no such file: \(name)"
        case EACCES: return "permission denied: \(name)"
        case ENOEXEC: return "not an executable: \(name)"
        default: return "cannot start \(name): \(SystemError.text(code))"
        }
    }

    private static let spawnLock = NSLock()

    /// A close-on-exec pipe for use outside `start` (made under the spawn lock, see there).
    static func makeLockedPipe(nonBlockingWrite: Bool) -> (read: Int32, write: Int32)? {
        spawnLock.lock()
        defer { spawnLock.unlock() }
        return makePipe(nonBlockingWrite: nonBlockingWrite)
    }

    /// A close-on-exec pipe whose read end is non-blocking.
    private static func makePipe(nonBlockingWrite: Bool = false) -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        if nonBlockingWrite { _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK) }
        return (fds[0], fds[1])
    }

    private static func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
