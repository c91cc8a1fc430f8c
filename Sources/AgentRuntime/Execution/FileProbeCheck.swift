import BatonModel
import Glibc

extension ProbeEvaluator {
    /// Checks that a file exists (optionally containing a string) or is absent. Blocking: call it
    /// off the cooperative pool. A `contains` check reads at most `fileReadLimit` bytes.
    static func evaluateFile(_ probe: FileProbe) -> ProbeVerdict {
        var expectations: [String] = []
        if probe.exists {
            expectations.append("exists")
            if let needle = probe.contains { expectations.append("contains \(EvidenceText.quoted(needle))") }
            if let mode = probe.mode { expectations.append("mode \(octal(mode))") }
            if let owner = probe.owner { expectations.append("owner \(owner)") }
            if let age = probe.maxAgeMilliseconds { expectations.append("modified within \(EvidenceText.seconds(age))") }
        } else {
            expectations.append("absent")
        }
        let expected = expectations.joined(separator: ", ")

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
        var observed = ["exists (\(shape))"]
        var passed = true
        if let mode = probe.mode {
            let actual = UInt32(info.st_mode) & 0o7777
            observed.append("mode \(octal(actual))")
            if actual != mode { passed = false }
        }
        if let owner = probe.owner {
            let actualName = userName(uid: info.st_uid).map { "\($0) (uid \(info.st_uid))" } ?? "uid \(info.st_uid)"
            if let uid = uid(of: owner) {
                observed.append("owner \(actualName)")
                if uid != info.st_uid { passed = false }
            } else {
                observed.append("owner \(actualName), no user named \(EvidenceText.quoted(owner))")
                passed = false
            }
        }
        if let maxAge = probe.maxAgeMilliseconds {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let modified = Int64(info.st_mtim.tv_sec) * 1_000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
            let age = max(0, Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000 - modified)
            observed.append("modified \(EvidenceText.seconds(age)) ago")
            if age > maxAge { passed = false }
        }
        guard let needle = probe.contains else {
            return ProbeVerdict(expected: expected, observed: observed.joined(separator: ", "), passed: passed)
        }
        guard kind == S_IFREG else {
            observed.append("cannot search it")
            return ProbeVerdict(expected: expected, observed: observed.joined(separator: ", "), passed: false)
        }

        let content: [UInt8]
        switch readPrefix(of: probe.path, limit: fileReadLimit) {
        case .success(let bytes): content = bytes
        case .failure(let failure):
            observed.append("cannot read: \(SystemError.lowercasedText(failure.errno))")
            return ProbeVerdict(expected: expected, observed: observed.joined(separator: ", "), passed: false)
        }
        let found = contains(content, Array(needle.utf8))
        if size > fileReadLimit { observed[0] = "exists (\(shape), first \(fileReadLimit / (1 << 20)) MiB searched)" }
        observed.append("\(found ? "contains" : "does not contain") \(EvidenceText.quoted(needle))")
        return ProbeVerdict(expected: expected, observed: observed.joined(separator: ", "), passed: passed && found)
    }

    /// `0644`.
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The uid for a numeric string or a user name; nil when no such user exists.
    static func uid(of owner: String) -> uid_t? {
        if let numeric = UInt32(owner) { return numeric }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwnam_r(owner, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.pw_uid
    }

    /// The user name of `uid`, when it has one.
    static func userName(uid: uid_t) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return nil
        }
        return String(cString: name)
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
