import Crypto
public import ExplicableCore
public import Foundation

/// SHA-256 helpers (swift-crypto): file fingerprints for idempotent imports and salted annotator ids.
public enum SHA256Digest {
    /// Lower-case hex SHA-256 of `data`.
    public static func hex(of data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Lower-case hex SHA-256 of a file, read in 1 MiB pieces.
    public static func hex(ofFile url: URL) throws(ExplicableError) -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw ExplicableError(.io, "cannot read file", file: url.path)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let piece: Data
            do { piece = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw ExplicableError(.io, "cannot read file: \(error.localizedDescription)", file: url.path)
            }
            if piece.isEmpty { break }
            hasher.update(data: piece)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The stored form of a platform's annotator id: SHA-256 of salt, platform and id.
    public static func annotatorHash(salt: String, platform: String, rawID: String) -> String {
        hex(of: Data("\(salt)\u{1F}\(platform)\u{1F}\(rawID)".utf8))
    }
}
