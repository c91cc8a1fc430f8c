import BatonModel
import Foundation

/// One process of a process group, as /proc shows it.
struct ProcessGroupMember: Hashable, Sendable, CustomStringConvertible {
    var pid: Int32
    var name: String
    /// The state letter of /proc/PID/stat (`S`, `R`, `Z` for a zombie, …).
    var state: Character

    var description: String { "\(pid) \(name)" }
}

/// Reads /proc to name the processes of a group (Linux): which pids a cancel signals, which are left after.
enum ProcessGroupScan {
    /// Every process whose process group is `group`, zombies included, by pid.
    static func members(of group: Int32) -> [ProcessGroupMember] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var members: [ProcessGroupMember] = []
        for entry in entries {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let member = parse(pid: pid, stat: stat), member.group == group
            else { continue }
            members.append(ProcessGroupMember(pid: pid, name: member.name, state: member.state))
        }
        return members.sorted { $0.pid < $1.pid }
    }

    /// `PID (NAME) STATE PPID PGRP ...`; the name may hold spaces and parentheses, so it ends at the last `)`.
    static func parse(pid: Int32, stat: String) -> (name: String, state: Character, group: Int32)? {
        guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
        let name = String(stat[stat.index(after: open)..<close])
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count >= 3, let state = fields[0].first, let group = Int32(fields[2]) else { return nil }
        return (name, state, group)
    }

    /// The live (not zombie) members of `group`, polled until none is left or the wait runs out: a
    /// process sent SIGKILL may take a moment to die.
    static func survivors(of group: Int32, waitingUpToMilliseconds wait: Int64) async -> [ProcessGroupMember] {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(wait))
        while true {
            let alive = members(of: group).filter { $0.state != "Z" }
            if alive.isEmpty || ContinuousClock.now >= deadline { return alive }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The evidence of a cancellation: what was signalled, how the leader ended, what is left.
    static func evidence(
        group: Int32, signalled: [ProcessGroupMember], survivors: [ProcessGroupMember], graceMilliseconds: Int64,
        leader: String, at now: Instant
    ) -> Evidence {
        let pids = signalled.isEmpty ? "no process left to signal" : "pids " + signalled.map(\.description).joined(separator: ", ")
        var observed =
            "sent SIGTERM to process group \(group) (\(pids)), then SIGKILL to the group once its leader exited "
            + "or after \(graceMilliseconds) ms; the leader \(leader); "
        observed += survivors.isEmpty
            ? "no process of the group is left"
            : "still alive: " + survivors.map(\.description).joined(separator: ", ")
        return Evidence(
            phase: .post, probe: "cancel: process group \(group)", expected: "no process of the group is left",
            observed: observed, passed: survivors.isEmpty, at: now)
    }
}
