import ExplicableCore
import Foundation

/// The binary snapshot of a ``WordNetGraph`` that ``WordNetCache`` keeps beside an LMF file.
///
/// Layout, every integer little-endian:
/// ```
/// header (64 bytes)
///   0  magic "EXWNGRPH"           8  format version (UInt32)   12 header size (UInt32, 64)
///   16 source size (UInt64)       24 source mtime (Int64, nanoseconds since 1970)
///   32 source hash (UInt64, ``WordNetSnapshot/hash(_:)`` of the LMF file's bytes)
///   40 payload length (UInt64)    48 payload hash (UInt64)    56 reserved (zero)
/// payload: the graph's fields in a fixed order, each one of
///   integer        UInt64
///   integer array  count (UInt64), then count × 4 bytes (Int32) or count bytes (Bool, UInt8)
///   string table   count n (UInt64), n + 1 UInt32 offsets into the blob, blob length (UInt64), UTF-8 blob
///   optional strings  a string table and a UInt8 array (1 = present)
///   dictionary     a string table of keys and an array of values, in the same order
/// ```
/// Decoding trusts nothing: every count and offset is checked against the bytes left before use
/// (overflow-safe), index arrays are checked against the counts they index, and any failure is a
/// thrown ``WordNetSnapshot/Invalid``, never a trap.
enum WordNetSnapshot {
    static let magic = Array("EXWNGRPH".utf8)
    /// Bump when the payload layout or ``WordNetGraph``'s fields change.
    static let formatVersion: UInt32 = 1
    static let headerSize = 64

    /// Why a snapshot was refused.
    struct Invalid: Error, Equatable, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// What the snapshot says about the LMF file it was built from.
    struct SourceKey: Equatable {
        var size: UInt64
        var modificationNanoseconds: Int64
        var contentHash: UInt64
    }

    // MARK: Hash

    /// A fast 64-bit hash of `bytes` (four multiply-rotate lanes over 8-byte words, then a
    /// murmur-style finalizer): several GB/s in a release build, so hashing the 12 MB OEWN file on
    /// every load costs a few milliseconds. It detects changed or damaged files; it is not a
    /// cryptographic hash and does not have to be: whoever can write the cache can also write the
    /// LMF file, and decoding validates everything it reads anyway.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let m: UInt64 = 0x9E37_79B9_7F4A_7C15
        var a: UInt64 = 0x243F_6A88_85A3_08D3, b: UInt64 = 0x1319_8A2E_0370_7344
        var c: UInt64 = 0xA409_3822_299F_31D0, d: UInt64 = 0x082E_FA98_EC4E_6C89
        let count = bytes.count
        var i = 0
        if let base = bytes.baseAddress {
            while i + 32 <= count {
                a = ((a ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))) &* m)
                b = ((b ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))) &* m)
                c = ((c ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))) &* m)
                d = ((d ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))) &* m)
                a = (a << 31) | (a >> 33)
                b = (b << 29) | (b >> 35)
                c = (c << 27) | (c >> 37)
                d = (d << 25) | (d >> 39)
                i += 32
            }
        }
        var h = (a &* 3) ^ (b &* 5) ^ (c &* 7) ^ (d &* 11) ^ UInt64(count)
        while i < count {
            h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
            i += 1
        }
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
