import AgentCore
import BatonModel
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's local journal: one JSON line per `AgentJournalEntry`, appended and fsync'd before
/// the agent acts on it. No database: a plain append-only file.
///
/// On open, a torn last line (a crash in the middle of a write) is ignored, and the file is
/// compacted to the entries still needed: attempts not yet acknowledged.
public final class AgentJournal: @unchecked Sendable {
    public static let fileName = "agent-journal.jsonl"

    public let path: String
    private var descriptor: Int32
    private let lock = NSLock()
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// The entries found when the journal was opened, after compaction, oldest first.
    public let recovered: [AgentJournalEntry]

    /// Opens (creating if needed) `<directory>/agent-journal.jsonl`.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/" + Self.fileName
        let entries = Self.read(path)
        let live = Self.compact(entries)
        // Rewrite the live entries to a new file and swap it in atomically.
        let temporary = path + ".tmp"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = Data()
        for entry in live {
            data.append(try encoder.encode(entry))
            data.append(0x0A)
        }
        try Self.writeDurably(data, to: temporary)
        guard rename(temporary, path) == 0 else { throw AgentJournalError("cannot replace \(path): \(String(cString: strerror(errno)))") }
        Self.syncDirectory(directory)
        descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw AgentJournalError("cannot open \(path): \(String(cString: strerror(errno)))") }
        recovered = live
    }

    deinit { close(descriptor) }

    /// Appends one entry; with `durable` (the default) returns only once it is on disk.
    ///
    /// `accepted` and `completed` must be durable (they decide what may have run and what to
    /// report). `started` and `acknowledged` may be written without waiting: losing one in a crash
    /// only means a leftover process group is not killed by pid, or a report is sent once more
    /// and acknowledged again.
    public func append(_ entry: AgentJournalEntry, durable: Bool = true) throws {
        var line = try encoder.encode(entry)
        line.append(0x0A)
        try lock.withLock {
            try Self.writeAll(line, to: descriptor, path: path)
            guard durable else { return }
            guard fsync(descriptor) == 0 else {
                throw AgentJournalError("cannot fsync \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func read(_ path: String) -> [AgentJournalEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        var entries: [AgentJournalEntry] = []
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
            // A line that does not decode is the torn tail of a crash mid-write: ignore it.
            let data = Data(line)
            if let entry = try? decoder.decode(AgentJournalEntry.self, from: data) {
                entries.append(entry)
            }
        }
        return entries
    }

    /// Keeps only entries of attempts whose report was never acknowledged.
    static func compact(_ entries: [AgentJournalEntry]) -> [AgentJournalEntry] {
        var acknowledged = Set<String>()
        for case .acknowledged(let key) in entries { acknowledged.insert(key.description) }
        return entries.filter { entry in
            switch entry {
            case .accepted(let assignment): return !acknowledged.contains(assignment.key.description)
            case .started(let key, _): return !acknowledged.contains(key.description)
            case .completed(let report): return !acknowledged.contains(report.key.description)
            case .acknowledged: return false
            }
        }
    }

    static func writeDurably(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AgentJournalError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try writeAll(data, to: fd, path: path)
        guard fsync(fd) == 0 else { throw AgentJournalError("cannot fsync \(path): \(String(cString: strerror(errno)))") }
    }

    /// Writes all of `data`, retrying short writes and interruptions.
    static func writeAll(_ data: Data, to descriptor: Int32, path: String) throws {
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw AgentJournalError("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

public struct AgentJournalError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
