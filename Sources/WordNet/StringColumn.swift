import Foundation

/// A column of a ``WordNetGraph``'s strings (synset ids, lemmas, definitions …), indexed from 0.
///
/// A parsed graph holds an array of strings. A graph loaded from a snapshot holds the snapshot's
/// string table where it lies in the mapped file, and makes each string only when it is read: a
/// command that prints ten synsets makes ten strings, not the ~850,000 of the whole wordnet.
public struct StringColumn: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    enum Storage: Sendable {
        case strings([String])
        case packed(PackedStrings)
    }

    var storage: Storage

    init(_ storage: Storage) { self.storage = storage }

    public init(_ strings: [String] = []) { storage = .strings(strings) }

    public init(arrayLiteral elements: String...) { storage = .strings(elements) }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .strings(let s): s.count
        case .packed(let p): p.count
        }
    }

    public subscript(i: Int) -> String {
        get {
            switch storage {
            case .strings(let s): s[i]
            case .packed(let p): p[i]
            }
        }
        set {
            var strings = takeStrings()
            strings[i] = newValue
            storage = .strings(strings)
        }
    }

    /// Appends `string` (a packed column becomes an array first).
    mutating func append(_ string: String) {
        var strings = takeStrings()
        strings.append(string)
        storage = .strings(strings)
    }

    /// The strings as an array, leaving the storage empty so that the caller holds the only reference.
    private mutating func takeStrings() -> [String] {
        switch storage {
        case .strings(let s):
            storage = .strings([])
            return s
        case .packed(let p):
            return (0..<p.count).map { p[$0] }
        }
    }

    public static func == (a: StringColumn, b: StringColumn) -> Bool { a.elementsEqual(b) }
}

/// A column of optional strings (ILIs, definitions): a ``StringColumn`` and whether each value is present.
public struct OptionalStringColumn: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    enum Storage: Sendable {
        case strings([String?])
        /// Absent values are stored as empty strings with a 0 flag.
        case packed(PackedStrings, present: PackedBytes)
    }

    var storage: Storage

    init(_ storage: Storage) { self.storage = storage }

    public init(_ strings: [String?] = []) { storage = .strings(strings) }

    public init(arrayLiteral elements: String?...) { storage = .strings(elements) }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .strings(let s): s.count
        case .packed(let p, _): p.count
        }
    }

    public subscript(i: Int) -> String? {
        get {
            switch storage {
            case .strings(let s): s[i]
            case .packed(let p, let present): present[i] == 0 ? nil : p[i]
            }
        }
        set {
            var strings = takeStrings()
            strings[i] = newValue
            storage = .strings(strings)
        }
    }

    /// Appends `string` (a packed column becomes an array first).
    mutating func append(_ string: String?) {
        var strings = takeStrings()
        strings.append(string)
        storage = .strings(strings)
    }

    private mutating func takeStrings() -> [String?] {
        switch storage {
        case .strings(let s):
            storage = .strings([])
            return s
        case .packed:
            return Array(self)
        }
    }

    public static func == (a: OptionalStringColumn, b: OptionalStringColumn) -> Bool { a.elementsEqual(b) }
}

/// Strings stored end to end in memory that `owner` keeps alive (a mapped snapshot), with checked
/// offsets: bytes `offsets[i]..<offsets[i + 1]` of `blob` are string `i`'s UTF-8. The offsets are
/// read in place (little-endian `UInt32`, possibly unaligned). Invalid UTF-8 is repaired (U+FFFD)
/// when a string is made, never trusted; the payload checksum catches accidents.
///
/// `@unchecked Sendable`: the memory is read-only for the value's whole life (a private read-only
/// mapping, or bytes nobody writes) and `owner` keeps it mapped.
struct PackedStrings: @unchecked Sendable {
    let owner: AnyObject
    private let offsets: UnsafeRawPointer
    private let blob: UnsafeRawPointer?
    let count: Int

    /// Wraps a string table whose `count + 1` offsets have been checked: from 0, non-decreasing, and
    /// no larger than the blob.
    init(owner: AnyObject, checkedOffsets offsets: UnsafeRawPointer, count: Int, blob: UnsafeRawPointer?) {
        (self.owner, self.offsets, self.count, self.blob) = (owner, offsets, count, blob)
    }

    @inline(__always)
    private func offset(_ i: Int) -> Int {
        Int(UInt32(littleEndian: offsets.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
    }

    subscript(i: Int) -> String {
        precondition(i >= 0 && i < count, "string index \(i) out of 0..<\(count)")
        let start = offset(i), end = offset(i + 1)
        guard let blob, end > start else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: blob + start, count: end - start), as: UTF8.self)
    }
}

/// Bytes in memory that `owner` keeps alive, read in place (see ``PackedStrings``).
struct PackedBytes: @unchecked Sendable {
    let owner: AnyObject
    private let base: UnsafeRawPointer?
    let count: Int

    init(owner: AnyObject, _ bytes: UnsafeRawBufferPointer) {
        (self.owner, base, count) = (owner, bytes.baseAddress, bytes.count)
    }

    subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < count, "byte index \(i) out of 0..<\(count)")
        return base!.load(fromByteOffset: i, as: UInt8.self)
    }
}
