/// The fingerprint of a playbook with the modules it uses, as the catalog stores it.
public enum ContentHash {
    /// Lowercase hex SHA-256 of an unambiguous encoding: a format tag, then the playbook text, the number of
    /// modules and each module's file name and text (sorted by file name, then text), every field
    /// prefixed by its length in UTF-8 bytes. The order modules are given in does not matter.
    public static func of(playbook: String, modules: [ModuleSource]) -> String {
        var bytes: [UInt8] = Array("baton-playbook-content/v1\n".utf8)
        func field(_ text: String) {
            let utf8 = Array(text.utf8)
            bytes += Array("\(utf8.count):".utf8) + utf8 + [0x0A]
        }
        field(playbook)
        field(String(modules.count))
        for module in modules.sorted(by: { ($0.file, $0.text) < ($1.file, $1.text) }) {
            field(module.file)
            field(module.text)
        }
        return SHA256Digest.hexDigest(bytes)
    }
}
