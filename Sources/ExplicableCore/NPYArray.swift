public import Foundation

/// An n-dimensional array in NumPy's `.npy` format (versions 1.0, 2.0 and 3.0), C order.
///
/// Supported element types are the ones explicable exchanges with PyTorch users: `<f4`, `<f8`,
/// `<i8` and `|u1`. Files are always written little-endian in C order and load with `numpy.load`.
///
/// ```swift
/// let labels = NPYArray(shape: [3], storage: .int64([3, 5, 0]))
/// try labels.write(to: URL(fileURLWithPath: "labels.npy"))   // numpy.load reads it
/// let back = try NPYArray.read(URL(fileURLWithPath: "labels.npy"))
/// if case .int64(let values) = back.storage { print(back.shape, values) }  // [3] [3, 5, 0]
/// ```
public struct NPYArray: Sendable, Equatable {
    /// The element storage, one case per supported dtype.
    public enum Storage: Sendable, Equatable {
        case float32([Float])
        case float64([Double])
        case int64([Int64])
        case uint8([UInt8])

        /// The NumPy dtype descriptor (`<f4` …).
        public var descriptor: String {
            switch self {
            case .float32: "<f4"
            case .float64: "<f8"
            case .int64: "<i8"
            case .uint8: "|u1"
            }
        }

        var count: Int {
            switch self {
            case .float32(let v): v.count
            case .float64(let v): v.count
            case .int64(let v): v.count
            case .uint8(let v): v.count
            }
        }
    }

    /// The dimensions, outermost first; `[]` is a scalar holding one element.
    public let shape: [Int]
    public let storage: Storage

    /// Creates an array; the element count must equal the product of `shape`.
    public init(shape: [Int], storage: Storage) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) does not match \(storage.count) elements")
        self.shape = shape
        self.storage = storage
    }

    /// The elements converted to `Double`, in C order.
    public var doubles: [Double] {
        switch storage {
        case .float32(let v): v.map(Double.init)
        case .float64(let v): v
        case .int64(let v): v.map(Double.init)
        case .uint8(let v): v.map(Double.init)
        }
    }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    // MARK: Writing

    /// The `.npy` bytes: version 1.0 unless the header needs more than 65,535 bytes (then 2.0).
    public func encoded() -> Data {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(storage.descriptor)', 'fortran_order': False, 'shape': \(shapeText), }"
        // The header (including magic, version and length) is padded with spaces to a multiple
        // of 64 bytes and ends with a newline, as numpy.lib.format writes it.
        let isVersion1 = header.utf8.count + 1 + 10 <= 65_535
        let prefix = isVersion1 ? 10 : 12
        let total = prefix + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var data = Data(Self.magic)
        data.append(contentsOf: isVersion1 ? [1, 0] : [2, 0])
        let length = header.utf8.count
        if isVersion1 {
            data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        } else {
            data.append(contentsOf: (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) })
        }
        data.append(contentsOf: Array(header.utf8))
        func appendLittleEndian<T: FixedWidthInteger>(_ values: [T]) {
            data.reserveCapacity(data.count + values.count * MemoryLayout<T>.size)
            values.withUnsafeBufferPointer { buffer in
                if T.zero.littleEndian == T.zero && (1 as T).littleEndian == 1 {
                    data.append(UnsafeBufferPointer(start: buffer.baseAddress, count: buffer.count))
                } else {
                    data.append(contentsOf: buffer.map { $0.littleEndian }.withUnsafeBytes { Array($0) })
                }
            }
        }
        switch storage {
        case .float32(let v): appendLittleEndian(v.map(\.bitPattern))
        case .float64(let v): appendLittleEndian(v.map(\.bitPattern))
        case .int64(let v): appendLittleEndian(v)
        case .uint8(let v): data.append(contentsOf: v)
        }
        return data
    }

    /// Writes the array atomically (temporary file, then rename).
    public func write(to url: URL) throws(ExplicableError) {
        try Self.writeAtomically(encoded(), to: url)
    }

    /// Writes `data` to `url` atomically (temporary file, then rename).
    public static func writeAtomically(_ data: Data, to url: URL) throws(ExplicableError) {
        do { try data.write(to: url, options: .atomic) } catch {
            throw ExplicableError(.io, "cannot write: \(error.localizedDescription)", file: url.path)
        }
    }

    // MARK: Reading

    /// Reads an `.npy` file.
    /// - Throws: ``ExplicableError`` naming the file and the header field at fault.
    public static func read(_ url: URL) throws(ExplicableError) -> NPYArray {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ExplicableError(.io, "cannot read: \(error.localizedDescription)", file: url.path)
        }
        return try decode(data, file: url.path)
    }

    /// Decodes `.npy` bytes; `file` is used in error messages only.
    public static func decode(_ data: Data, file: String) throws(ExplicableError) -> NPYArray {
        let bytes = [UInt8](data)
        func fail(_ message: String) -> ExplicableError { .badInput("not a valid .npy file: \(message)", file: file) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("missing \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header length") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail("unsupported format version \(major).\(bytes[7]) (expected 1.0, 2.0 or 3.0)")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("header runs past the end of the file") }
        let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
        guard let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("header is not text")
        }
        let fields = try parseHeader(header, fail: fail)
        guard let descr = fields["descr"] else { throw fail("header field 'descr' is missing") }
        guard let fortran = fields["fortran_order"] else { throw fail("header field 'fortran_order' is missing") }
        guard fortran == "False" else {
            throw fail("header field 'fortran_order' is \(fortran); only C order (False) is supported")
        }
        guard let shapeText = fields["shape"] else { throw fail("header field 'shape' is missing") }
        let shape = try parseShape(shapeText, fail: fail)
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow else { throw fail("header field 'shape' \(shapeText) is too large") }
        let body = bytes[(headerStart + headerLength)...]
        let elementSize: Int
        switch descr {
        case "<f4": elementSize = 4
        case "<f8": elementSize = 8
        case "<i8": elementSize = 8
        case "|u1", "<u1": elementSize = 1
        default:
            throw fail("header field 'descr' is '\(descr)'; supported: <f4, <f8, <i8, |u1")
        }
        // The byte count is checked against the file before anything is allocated; a shape whose
        // size overflows is refused rather than trapping.
        let (byteCount, byteOverflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !byteOverflow else { throw fail("header field 'shape' \(shapeText) is too large") }
        guard body.count == byteCount else {
            throw fail("shape \(shape) of \(descr) needs \(byteCount) data bytes, found \(body.count)")
        }
        func loadLittleEndian<T: FixedWidthInteger>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                body.withUnsafeBytes { raw in
                    for i in 0..<count {
                        buffer[i] = T(littleEndian: raw.loadUnaligned(fromByteOffset: i * elementSize, as: T.self))
                    }
                }
                initialized = count
            }
        }
        let storage: Storage
        switch descr {
        case "<f4": storage = .float32(loadLittleEndian(UInt32.self).map(Float.init(bitPattern:)))
        case "<f8": storage = .float64(loadLittleEndian(UInt64.self).map(Double.init(bitPattern:)))
        case "<i8": storage = .int64(loadLittleEndian(Int64.self))
        default: storage = .uint8(Array(body))
        }
        return NPYArray(shape: shape, storage: storage)
    }

    /// Parses the Python dict literal of a header: `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }`.
    private static func parseHeader(
        _ header: String, fail: (String) -> ExplicableError
    ) throws(ExplicableError) -> [String: String] {
        let text = header.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("{"), text.hasSuffix("}") else { throw fail("header is not a dictionary literal") }
        var fields: [String: String] = [:]
        var rest = Substring(text.dropFirst().dropLast())
        func skipSpace() { rest = rest.drop(while: { $0 == " " || $0 == "," || $0 == "\n" }) }
        skipSpace()
        while !rest.isEmpty {
            guard let quote = rest.first, quote == "'" || quote == "\"" else {
                throw fail("header key must be a quoted string near '\(rest.prefix(20))'")
            }
            rest = rest.dropFirst()
            guard let end = rest.firstIndex(of: quote) else { throw fail("unterminated key in header") }
            let key = String(rest[..<end])
            rest = rest[rest.index(after: end)...].drop(while: { $0 == " " })
            guard rest.first == ":" else { throw fail("missing ':' after header key '\(key)'") }
            rest = rest.dropFirst().drop(while: { $0 == " " })
            let value: String
            if let q = rest.first, q == "'" || q == "\"" {
                rest = rest.dropFirst()
                guard let end = rest.firstIndex(of: q) else { throw fail("unterminated value for '\(key)'") }
                value = String(rest[..<end])
                rest = rest[rest.index(after: end)...]
            } else if rest.first == "(" {
                guard let end = rest.firstIndex(of: ")") else { throw fail("unterminated tuple for '\(key)'") }
                value = String(rest[...end])
                rest = rest[rest.index(after: end)...]
            } else {
                let end = rest.firstIndex(where: { $0 == "," || $0 == " " }) ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            guard fields.updateValue(value, forKey: key) == nil else { throw fail("header key '\(key)' repeats") }
            skipSpace()
        }
        return fields
    }

    private static func parseShape(_ text: String, fail: (String) -> ExplicableError) throws(ExplicableError) -> [Int] {
        guard text.hasPrefix("("), text.hasSuffix(")") else { throw fail("header field 'shape' is not a tuple") }
        let inner = text.dropFirst().dropLast()
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let d = Int(trimmed), d >= 0 else {
                throw fail("header field 'shape' has a bad dimension '\(trimmed)'")
            }
            shape.append(d)
        }
        return shape
    }
}
