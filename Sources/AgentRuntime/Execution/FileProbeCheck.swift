import BatonModel
import Glibc

extension ProbeEvaluator {
    /// Checks that a file exists (optionally containing a string) or is absent. Blocking: call it
    /// off the cooperative pool. A `contains` check reads at most `fileReadLimit` bytes.
    static func evaluateFile(_ probe: FileProbe) -> ProbeVerdict {
        let expected: String
        if probe.exists {
            expected = "exists" + (probe.contains.map { ", contains \(EvidenceText.quoted($0))" } ?? "")
        } else {
            expected = "absent"
        }

        var info = stat()
        if stat(probe.path, &info) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                return ProbeVerdict(expected: expected, observed: "absent", passed: !probe.exists)
            }
            return ProbeVerdict(expected: expected, observed: "cannot check: \(SystemError.lowercasedText(code))", passed: false)
        }
        let kind = info.st_mode & S_IFMT
        let size = Int(info.st_size)
        let shape = kind == S_IFREG ? EvidenceText.bytes(size) : kind == S_IFDIR ? "directory" : "not a regular file"
        guard probe.exists else {
            return ProbeVerdict(expected: expected, observed: "exists (\(shape))", passed: false)
        }
        guard let needle = probe.contains else {
            return ProbeVerdict(expected: expected, observed: "exists (\(shape))", passed: true)
        }
        guard kind == S_IFREG else {
            return ProbeVerdict(expected: expected, observed: "exists (\(shape)), cannot search it", passed: false)
        }

        let content: [UInt8]
        switch readPrefix(of: probe.path, limit: fileReadLimit) {
        case .success(let bytes): content = bytes
        case .failure(let failure):
            return ProbeVerdict(
                expected: expected, observed: "exists (\(shape)), cannot read: \(SystemError.lowercasedText(failure.errno))",
                passed: false
            )
        }
        let found = contains(content, Array(needle.utf8))
        let scope = size > fileReadLimit ? "\(shape), first \(fileReadLimit / (1 << 20)) MiB searched" : shape
        let verdict = found ? "contains" : "does not contain"
        return ProbeVerdict(
            expected: expected, observed: "exists (\(scope)), \(verdict) \(EvidenceText.quoted(needle))", passed: found
        )
    }

    /// Reads up to `limit` bytes from the start of the file at `path`; `.failure` carries errno.
    static func readPrefix(of path: String, limit: Int) -> Result<[UInt8], ReadFailure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return .failure(ReadFailure(errno: errno)) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var filled = 0
        while filled < limit {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, limit - filled) }
            if count > 0 {
                filled += count
            } else if count == 0 {
                break
            } else if errno != EINTR {
                return .failure(ReadFailure(errno: errno))
            }
        }
        bytes.removeSubrange(filled...)
        return .success(bytes)
    }

    struct ReadFailure: Error {
        var errno: Int32
    }

    /// Byte-wise substring search (file content need not be valid UTF-8).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
