import BatonModel
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The paths of one written certificate and its key.
public struct WrittenCredential: Hashable, Sendable {
    public var certificatePath: String
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}

/// The file layout of a Baton PKI directory:
///
/// - `ca.pem`, `ca-key.pem`: the certificate authority
/// - `agent-<tier>-<name>.pem`, `agent-<tier>-<name>-key.pem`
/// - `coordinator-<name>.pem`, `coordinator-<name>-key.pem`
/// - `operator-<name>.pem`, `operator-<name>-key.pem`
///
/// Key files are created with mode 0600 (never written first and restricted later), certificates
/// with mode 0644. Existing files are only replaced when `force` is set.
public struct PKIDirectory: Hashable, Sendable {
    public var path: String

    public static let defaultPath = "./baton-pki"
    public static let caCertificateFileName = "ca.pem"
    public static let caKeyFileName = "ca-key.pem"

    public init(path: String = PKIDirectory.defaultPath) {
        self.path = path
    }

    public var caCertificatePath: String { file(Self.caCertificateFileName) }
    public var caKeyPath: String { file(Self.caKeyFileName) }

    /// The file name stem for a principal (`agent-database-db-01`, `coordinator-main`, `operator-alice`).
    public static func baseName(for principal: BatonPrincipal) -> String {
        switch principal.kind {
        case .agent(let identity): return "agent-\(identity.tier.rawValue)-\(identity.name)"
        case .coordinator(let name): return "coordinator-\(name)"
        case .operator(let name, _): return "operator-\(name)"
        }
    }

    public func certificatePath(for principal: BatonPrincipal) -> String {
        file(Self.baseName(for: principal) + ".pem")
    }

    public func keyPath(for principal: BatonPrincipal) -> String {
        file(Self.baseName(for: principal) + "-key.pem")
    }

    /// Writes the CA certificate and key (`ca.pem`, `ca-key.pem`), creating the directory if needed.
    @discardableResult
    public func writeCA(_ credential: IssuedCredential, force: Bool = false) throws -> WrittenCredential {
        try write(credential, to: WrittenCredential(certificatePath: caCertificatePath, keyPath: caKeyPath), force: force)
    }

    /// Writes a principal's certificate and key, creating the directory if needed.
    @discardableResult
    public func write(
        _ credential: IssuedCredential,
        for principal: BatonPrincipal,
        force: Bool = false
    ) throws -> WrittenCredential {
        try principal.validated()
        let target = WrittenCredential(certificatePath: certificatePath(for: principal), keyPath: keyPath(for: principal))
        return try write(credential, to: target, force: force)
    }

    /// Loads the CA stored in this directory.
    public func loadCA() throws -> CertificateAuthority {
        let certificate = try read(caCertificatePath)
        let key = try read(caKeyPath)
        return try CertificateAuthority(certificatePEM: certificate, privateKeyPEM: key)
    }

    private func file(_ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    private func read(_ file: String) throws -> String {
        guard FileManager.default.fileExists(atPath: file) else {
            throw IdentityError.fileSystem(path: file, reason: "no such file (create a CA first with `baton pki ca create`)")
        }
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw IdentityError.fileSystem(path: file, reason: "cannot read (\(error.localizedDescription))")
        }
    }

    private func write(_ credential: IssuedCredential, to target: WrittenCredential, force: Bool) throws -> WrittenCredential {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw IdentityError.fileSystem(path: path, reason: "cannot create directory (\(error.localizedDescription))")
        }
        if !force {
            for existing in [target.certificatePath, target.keyPath] where Self.exists(existing) {
                throw IdentityError.fileExists(path: existing)
            }
        }
        try Self.createFile(target.keyPath, contents: credential.privateKeyPEM, mode: 0o600, replace: force)
        try Self.createFile(target.certificatePath, contents: credential.certificatePEM, mode: 0o644, replace: force)
        return target
    }

    /// Whether anything (a file, a directory, even a dangling symlink) is at `path`.
    static func exists(_ path: String) -> Bool {
        // A symlink counts even when it dangles (fileExists follows links; this does not).
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
            || FileManager.default.fileExists(atPath: path)
    }

    /// Creates `path` exclusively with `mode` from the start and writes `contents`.
    /// With `replace`, an existing file is removed first so that the new one gets a fresh mode.
    static func createFile(_ path: String, contents: String, mode: mode_t, replace: Bool) throws {
        if replace, exists(path), unlink(path) != 0 {
            throw IdentityError.fileSystem(path: path, reason: "cannot remove existing file (\(errnoText()))")
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            if errno == EEXIST { throw IdentityError.fileExists(path: path) }
            throw IdentityError.fileSystem(path: path, reason: "cannot create (\(errnoText()))")
        }
        defer { close(fd) }
        // The umask may have removed bits from `mode`; set exactly `mode` before any byte is written.
        guard fchmod(fd, mode) == 0 else {
            throw IdentityError.fileSystem(path: path, reason: "cannot set mode (\(errnoText()))")
        }
        let bytes = Array(contents.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { buffer in
                posixWrite(fd, buffer.baseAddress, buffer.count)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw IdentityError.fileSystem(path: path, reason: "cannot write (\(errnoText()))")
            }
            offset += written
        }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// The POSIX `write(2)`, reachable under another name inside `PKIDirectory`, whose methods are called `write`.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
