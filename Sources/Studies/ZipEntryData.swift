import CExplicableZlib
import ExplicableCore
import Foundation

/// The contents of a zip archive's entries, inflated from exactly the bytes each entry declares.
///
/// ZIPFoundation lists, checks and names the entries; this reads their data. Its own `extract`
/// cannot be given a hostile archive on Linux: its inflate loop asks for more input until the
/// deflate stream ends, and when the file ends first it gets empty chunks and spins forever
/// (weichsel/ZIPFoundation PR #389, open; found by `Fuzz/run.sh import-jatos`, input in
/// `Fuzz/regressions/import-jatos/`). Here each entry's compressed bytes are located through the
/// central directory and its local header, checked to lie inside the file, and inflated with
/// zlib from those bytes only: a stream that does not end within them is damaged, not awaited.
struct ZipEntryData {
    /// Where one entry's compressed bytes lie, and how they are stored.
    struct Location {
        var range: Range<Int>
        /// 0 stored, 8 deflated (ZIP's method numbers).
        var method: UInt16
    }

    let bytes: Data
    /// One per central-directory record, in the directory's order (ZIPFoundation's iteration order).
    let locations: [Location]

    /// Maps `url` and reads its central directory; throws a one-line reason for anything malformed.
    init(_ url: URL) throws(ExplicableError) {
        do { bytes = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw ExplicableError(.io, "cannot read file: \(error.localizedDescription)", file: url.path)
        }
        do throws(Reason) { locations = try Self.locations(in: bytes) } catch {
            throw ExplicableError.badInput("is not a readable zip archive (\(error.text))", file: url.path)
        }
    }

    struct Reason: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    /// The locations of every entry, from the end-of-central-directory record.
    static func locations(in bytes: Data) throws(Reason) -> [Location] {
        let count = bytes.count
        func u16(_ at: Int) throws(Reason) -> Int {
            guard at >= 0, at + 2 <= count else { throw Reason("a record runs past the end of the file") }
            return Int(bytes[bytes.startIndex + at]) | Int(bytes[bytes.startIndex + at + 1]) << 8
        }
        func u32(_ at: Int) throws(Reason) -> Int { try u16(at) | (try u16(at + 2)) << 16 }
        // The end record is the last 22 bytes plus a comment of at most 65,535 bytes.
        var end = count - 22
        let lowest = max(0, count - 22 - 65_535)
        while end >= lowest {
            if try u32(end) == 0x0605_4b50 { break }
            end -= 1
        }
        guard end >= lowest else { throw Reason("no end-of-central-directory record") }
        let records = try u16(end + 10), directory = try u32(end + 16)
        guard records != 0xFFFF, directory != 0xFFFF_FFFF else {
            throw Reason("a ZIP64 archive; results archives are read only up to 4 GB and 65,534 entries")
        }
        var locations: [Location] = []
        locations.reserveCapacity(records)
        var at = directory
        for _ in 0..<records {
            guard try u32(at) == 0x0201_4b50 else { throw Reason("a central-directory record is damaged") }
            let method = UInt16(try u16(at + 10))
            let compressed = try u32(at + 20)
            let name = try u16(at + 28), extra = try u16(at + 30), comment = try u16(at + 32)
            let header = try u32(at + 42)
            guard try u32(header) == 0x0403_4b50 else { throw Reason("an entry's local header is missing") }
            let start = header + 30 + (try u16(header + 26)) + (try u16(header + 28))
            guard start <= count, compressed <= count - start else {
                throw Reason("an entry's data runs past the end of the file")
            }
            locations.append(Location(range: start..<(start + compressed), method: method))
            at += 46 + name + extra + comment
        }
        return locations
    }

    /// The inflated contents of the entry at `location`, each piece passed to `spend` first (the
    /// archive's byte budget) and its CRC-32 checked against `checksum`.
    func contents(
        of location: Location, checksum: UInt32, spend: (Int) throws(ExplicableError) -> Void
    ) throws(ExplicableError) -> Data {
        let input = bytes[
            (bytes.startIndex + location.range.lowerBound)..<(bytes.startIndex + location.range.upperBound)]
        var output = Data()
        switch location.method {
        case 0:
            try spend(input.count)
            output = Data(input)
        case 8:
            try Self.inflate(input, into: &output, spend: spend)
        default:
            throw ExplicableError.badInput(
                "uses compression method \(location.method); only stored and deflated are read")
        }
        let crc = output.withUnsafeBytes { raw -> UInt32 in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return 0 }
            return UInt32(crc32(0, base, uInt(raw.count)))
        }
        guard crc == checksum else { throw ExplicableError.badInput("entry is damaged (CRC-32 mismatch)") }
        return output
    }

    /// Raw deflate (no zlib or gzip framing) of exactly `input`.
    static func inflate(
        _ input: Data, into output: inout Data, spend: (Int) throws(ExplicableError) -> Void
    ) throws(ExplicableError) {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ExplicableError(.io, "zlib: inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk)
        var failure: ExplicableError?
        input.withUnsafeBytes { raw in
            stream.next_in = UnsafeMutablePointer(mutating: raw.bindMemory(to: UInt8.self).baseAddress)
            stream.avail_in = uInt(raw.count)
            while true {
                let status = buffer.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(chunk)
                    return CExplicableZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk - Int(stream.avail_out)
                if produced > 0 {
                    do throws(ExplicableError) { try spend(produced) } catch {
                        failure = error
                        return
                    }
                    output.append(contentsOf: buffer[0..<produced])
                }
                switch status {
                case Z_STREAM_END: return
                case Z_OK: continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    failure = .badInput("entry is damaged (its compressed data ends before the deflate stream does)")
                    return
                case Z_BUF_ERROR where produced > 0: continue
                default:
                    failure = .badInput("entry is damaged (not a valid deflate stream)")
                    return
                }
            }
        }
        if let failure { throw failure }
    }
}
