#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Parsing of the DNS names and IP addresses that go into a certificate's subject alternative names.
enum NetworkNames {
    /// The 4 or 16 address bytes of an IPv4 or IPv6 literal.
    static func ipAddressBytes(_ text: String) throws(IdentityError) -> [UInt8] {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        throw .invalidIPAddress(text)
    }

    /// A DNS name, lowercased: dot-separated labels of `[a-z0-9-]` (1-63 characters, no leading or
    /// trailing `-`), at most 253 characters, optionally starting with one `*.` wildcard label.
    static func normalizedDNSName(_ text: String) throws(IdentityError) -> String {
        let name = text.lowercased()
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.first == "*", labels.count > 1 { labels.removeFirst() }
        guard !name.isEmpty, name.utf8.count <= 253, !labels.isEmpty else { throw .invalidDNSName(text) }
        for label in labels {
            let bytes = Array(label.utf8)
            let allowed = bytes.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            }
            guard allowed, (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"),
                bytes.last != UInt8(ascii: "-")
            else { throw .invalidDNSName(text) }
        }
        return name
    }
}
