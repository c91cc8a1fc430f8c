import ArgumentParser
import BatonIdentity
import BatonWire
import Foundation

/// How to reach and authenticate to the coordinator; shared by every remote command.
///
/// Precedence for each file: its own flag, then the `--pki`/`--operator` shortcut, then the environment.
struct ConnectionOptions: ParsableArguments {
    static let defaultCoordinator = "https://127.0.0.1:8443"

    @Option(
        help: ArgumentHelp(
            "The coordinator's HTTPS address (default: $BATON_COORDINATOR, else \(defaultCoordinator)).",
            valueName: "url"))
    var coordinator: String?

    @Option(help: ArgumentHelp("The Baton CA certificate (PEM) (default: $BATON_CA).", valueName: "path"))
    var ca: String?

    @Option(help: ArgumentHelp("Your operator certificate (PEM) (default: $BATON_CERT).", valueName: "path"))
    var cert: String?

    @Option(help: ArgumentHelp("Your operator private key (PEM) (default: $BATON_KEY).", valueName: "path"))
    var key: String?

    @Option(
        help: ArgumentHelp(
            "A `baton pki` directory; with --operator, takes ca.pem, operator-<name>.pem and operator-<name>-key.pem from it.",
            valueName: "dir"))
    var pki: String?

    @Option(
        name: .customLong("operator"),
        help: ArgumentHelp("Your operator name in the --pki directory.", valueName: "name"))
    var operatorName: String?

    @Option(
        help: ArgumentHelp(
            "A bearer token from `baton token create` (default: $BATON_TOKEN); requests then act with the token's roles.",
            valueName: "secret"))
    var token: String?

    /// The bearer token to send, if any.
    var bearerToken: String? { token ?? Self.environment("BATON_TOKEN") }

    func validate() throws {
        if pki != nil, operatorName == nil {
            throw ValidationError("--pki needs --operator NAME to choose the operator certificate")
        }
        if let operatorName, !BatonPrincipal.isValidName(operatorName) {
            throw ValidationError("invalid --operator '\(operatorName)'")
        }
        let url = coordinatorURL
        guard url.hasPrefix("https://"), url.count > "https://".count else {
            throw ValidationError("--coordinator must be an https:// URL (batond only speaks mutual TLS), got '\(url)'")
        }
    }

    private static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// The coordinator's base URL without a trailing slash.
    var coordinatorURL: String {
        var url = coordinator ?? Self.environment("BATON_COORDINATOR") ?? Self.defaultCoordinator
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// The three PEM files, or an error naming the flag or variable to set.
    func tlsFiles() throws -> TLSFiles {
        var shortcut: (ca: String, cert: String, key: String)?
        if let operatorName {
            let directory = PKIDirectory(path: pki ?? PKIDirectory.defaultPath)
            // The role does not appear in file names; any valid role selects the same files.
            let principal = BatonPrincipal.operator(name: operatorName, role: BatonPrincipal.operatorRoles[0])
            shortcut = (
                directory.caCertificatePath, directory.certificatePath(for: principal), directory.keyPath(for: principal)
            )
        }
        let caPath = ca ?? shortcut?.ca ?? Self.environment("BATON_CA")
        let certPath = cert ?? shortcut?.cert ?? Self.environment("BATON_CERT")
        let keyPath = key ?? shortcut?.key ?? Self.environment("BATON_KEY")
        var missing: [String] = []
        if caPath == nil { missing.append("the CA certificate (--ca or BATON_CA)") }
        if certPath == nil { missing.append("your certificate (--cert or BATON_CERT)") }
        if keyPath == nil { missing.append("your private key (--key or BATON_KEY)") }
        guard let caPath, let certPath, let keyPath else {
            throw Console.fail(
                "no credentials for the coordinator: give \(missing.joined(separator: ", ")), "
                    + "or --pki DIR --operator NAME to use the files made by `baton pki`")
        }
        for (what, path) in [("CA certificate", caPath), ("certificate", certPath), ("private key", keyPath)]
        where !FileManager.default.fileExists(atPath: path) {
            var hint = ""
            if let operatorName, path == shortcut?.cert || path == shortcut?.key {
                hint = " (create it with `baton pki cert create --dir \(pki ?? PKIDirectory.defaultPath) "
                    + "--operator \(operatorName) --role ROLE`)"
            }
            throw Console.fail("the \(what) file \(path) does not exist\(hint)")
        }
        return TLSFiles(certificatePath: certPath, privateKeyPath: keyPath, caPath: caPath)
    }
}
