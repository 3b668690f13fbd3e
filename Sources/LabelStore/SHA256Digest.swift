import Crypto
public import ExplicableCore
public import Foundation

/// SHA-256 helpers (swift-crypto): file fingerprints for idempotent imports and salted annotator ids.
public enum SHA256Digest {
    /// Lower-case hex SHA-256 of `data`.
    public static func hex(of data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(SHA256.byteCount * 2)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
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
        return hex(hasher.finalize())
    }

    /// The stored form of a platform's annotator id: SHA-256 of salt, platform and id.
    public static func annotatorHash(salt: String, platform: String, rawID: String) -> String {
        hex(of: Data("\(salt)\u{1F}\(platform)\u{1F}\(rawID)".utf8))
    }
}
