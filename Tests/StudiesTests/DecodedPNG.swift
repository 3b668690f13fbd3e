import CExplicableZlib
import Foundation
import Testing

/// A PNG read back independently of ``PNGEncoder``: chunks and their CRCs checked, the IDAT
/// inflated with zlib, the per-row filters (none, sub, up, average, Paeth) undone. Only 8-bit
/// truecolour without interlacing, what the encoder writes.
struct DecodedPNG {
    var width = 0, height = 0
    /// The pixels, row by row, 3 bytes per pixel.
    var rgb: [UInt8] = []

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    init(_ png: Data) throws {
        let bytes = [UInt8](png)
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw Malformed(description: "signature")
        }
        func be32(_ i: Int) -> Int { bytes[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        var offset = 8, idat: [UInt8] = [], types: [String] = []
        while offset + 12 <= bytes.count {
            let length = be32(offset)
            let typeAndBody = Array(bytes[(offset + 4)..<(offset + 8 + length)])
            let type = String(decoding: typeAndBody.prefix(4), as: UTF8.self)
            let crc = typeAndBody.withUnsafeBufferPointer { Int(crc32(0, $0.baseAddress, uInt($0.count))) }
            guard crc == be32(offset + 8 + length) else { throw Malformed(description: "bad CRC in \(type)") }
            let body = Array(typeAndBody.dropFirst(4))
            types.append(type)
            if type == "IHDR" {
                width = body[0..<4].reduce(0) { $0 << 8 | Int($1) }
                height = body[4..<8].reduce(0) { $0 << 8 | Int($1) }
                guard Array(body[8...]) == [8, 2, 0, 0, 0] else {
                    throw Malformed(description: "not 8-bit RGB: \(body)")
                }
            }
            if type == "IDAT" { idat += body }
            offset += 12 + length
        }
        guard types.first == "IHDR", types.last == "IEND", offset == bytes.count else {
            throw Malformed(description: "chunks \(types), \(bytes.count - offset) bytes left over")
        }
        let stride = width * 3
        var raw = [UInt8](repeating: 0, count: height * (1 + stride))
        var rawLength = uLongf(raw.count)
        guard uncompress(&raw, &rawLength, idat, uLong(idat.count)) == Z_OK, Int(rawLength) == raw.count else {
            throw Malformed(description: "IDAT does not inflate to \(raw.count) bytes")
        }
        rgb = [UInt8](repeating: 0, count: height * stride)
        for y in 0..<height {
            let filter = raw[y * (1 + stride)]
            for i in 0..<stride {
                let x = raw[y * (1 + stride) + 1 + i]
                let a = i >= 3 ? Int(rgb[y * stride + i - 3]) : 0
                let b = y > 0 ? Int(rgb[(y - 1) * stride + i]) : 0
                let c = i >= 3 && y > 0 ? Int(rgb[(y - 1) * stride + i - 3]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: throw Malformed(description: "filter \(filter) in row \(y)")
                }
                rgb[y * stride + i] = x &+ UInt8(predictor)
            }
        }
    }

    /// The RGB bytes of pixel (`x`, `y`).
    func pixel(x: Int, y: Int) -> [UInt8] { Array(rgb[((y * width + x) * 3)..<((y * width + x) * 3 + 3)]) }
}
