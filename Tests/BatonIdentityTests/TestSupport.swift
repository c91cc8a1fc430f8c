import Foundation
import Testing

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("baton-identity-tests")
        let url = base.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ contents: String) throws {
        try contents.write(toFile: file(name), atomically: false, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs the real `openssl` found on PATH.
enum OpenSSL {
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") {
            let candidate = String(dir) + "/openssl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// The exit status and the combined stdout+stderr of `openssl arguments…`.
    static func run(_ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
        guard let executable else { throw CommandFailure(description: "openssl was not found on PATH") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs openssl and fails with its output unless it exits 0.
    @discardableResult
    static func check(_ arguments: [String], in directory: String? = nil) throws -> String {
        let result = try run(arguments, in: directory)
        guard result.status == 0 else {
            throw CommandFailure(
                description: "openssl \(arguments.joined(separator: " ")) exited \(result.status): \(result.output)"
            )
        }
        return result.output
    }

    /// The DER bytes of a PEM certificate file, converted by openssl.
    static func derBytes(ofCertificate pemPath: String) throws -> [UInt8] {
        let derPath = pemPath + ".der"
        try check(["x509", "-in", pemPath, "-outform", "DER", "-out", derPath])
        return Array(try Data(contentsOf: URL(fileURLWithPath: derPath)))
    }
}

/// The permission bits of a file (`0o600`).
func permissions(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}
