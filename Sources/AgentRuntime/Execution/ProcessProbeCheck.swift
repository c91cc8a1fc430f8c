import BatonModel
import Glibc

extension ProbeEvaluator {
    /// Checks whether a process runs: one whose `/proc/PID/comm` equals the name, or the pid in a
    /// pidfile. A zombie does not count as running. Blocking: call it off the cooperative pool.
    static func evaluateProcess(_ probe: ProcessProbe) -> ProbeVerdict {
        let expected = probe.running ? "running" : "not running"
        switch probe.target {
        case .name(let name):
            let pids = processes(named: name)
            let observed: String
            if pids.isEmpty {
                observed = "no running process named \(EvidenceText.quoted(name))"
            } else {
                let shown = pids.prefix(5).map(String.init).joined(separator: ", ")
                observed = "running (pid \(shown)\(pids.count > 5 ? ", …" : ""))"
            }
            return ProbeVerdict(expected: expected, observed: observed, passed: pids.isEmpty != probe.running)
        case .pidfile(let path):
            let content: [UInt8]
            switch readPrefix(of: path, limit: 64) {
            case .success(let bytes): content = bytes
            case .failure(let failure) where failure.errno == ENOENT || failure.errno == ENOTDIR:
                return ProbeVerdict(expected: expected, observed: "not running (no pidfile)", passed: !probe.running)
            case .failure(let failure):
                return ProbeVerdict(
                    expected: expected, observed: "cannot read the pidfile: \(SystemError.lowercasedText(failure.errno))",
                    passed: false)
            }
            let text = String(decoding: content, as: UTF8.self).filter { !$0.isWhitespace }
            guard let pid = Int32(text), pid > 0 else {
                return ProbeVerdict(
                    expected: expected, observed: "the pidfile holds no pid: \(EvidenceText.quoted(text))", passed: false)
            }
            let alive = isRunning(pid)
            return ProbeVerdict(
                expected: expected, observed: alive ? "running (pid \(pid))" : "not running (pid \(pid) is gone)",
                passed: alive == probe.running)
        }
    }

    /// Pids whose `/proc/PID/comm` is `name` and that are not zombies, in ascending order.
    static func processes(named name: String) -> [Int32] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var pids: [Int32] = []
        while let entry = readdir(directory) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(entryName), pid > 0 else { continue }
            guard case .success(let comm) = readPrefix(of: "/proc/\(pid)/comm", limit: 64) else { continue }
            var text = String(decoding: comm, as: UTF8.self)
            if text.hasSuffix("\n") { text.removeLast() }
            if text == name, isRunning(pid) { pids.append(pid) }
        }
        return pids.sorted()
    }

    /// True when `pid` exists and is not a zombie.
    static func isRunning(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0, errno != EPERM { return false }
        guard case .success(let stat) = readPrefix(of: "/proc/\(pid)/stat", limit: 1_024) else { return true }
        // The state follows the command name, which is in parentheses and may contain spaces.
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count else { return true }
        let state = stat[close + 2]
        return state != UInt8(ascii: "Z") && state != UInt8(ascii: "X")
    }
}
