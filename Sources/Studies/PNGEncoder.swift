internal import CExplicableZlib
public import Foundation

/// Encodes 8-bit RGB images as PNG (filter type 0, zlib-compressed IDAT).
public enum PNGEncoder {
    /// The PNG bytes of an RGB image, `pixels` row by row, 3 bytes per pixel.
    public static func encode(rgb pixels: [UInt8], width: Int, height: Int) -> Data {
        precondition(pixels.count == width * height * 3, "expected \(width * height * 3) bytes, got \(pixels.count)")
        var raw = [UInt8]()
        raw.reserveCapacity(height * (1 + width * 3))
        for y in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: pixels[(y * width * 3)..<((y + 1) * width * 3)])
        }
        var compressed = [UInt8](repeating: 0, count: Int(compressBound(uLong(raw.count))))
        var length = uLongf(compressed.count)
        let status = compress2(&compressed, &length, raw, uLong(raw.count), 9)
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        compressed.removeLast(compressed.count - Int(length))

        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func chunk(_ type: String, _ body: [UInt8]) {
            var length = UInt32(body.count).bigEndian
            png.append(Data(bytes: &length, count: 4))
            let typed = Array(type.utf8) + body
            png.append(contentsOf: typed)
            var crc = UInt32(typed.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }).bigEndian
            png.append(Data(bytes: &crc, count: 4))
        }
        func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
        // 8-bit, truecolour, deflate, filter 0, no interlace
        chunk("IHDR", be32(width) + be32(height) + [8, 2, 0, 0, 0])
        chunk("IDAT", compressed)
        chunk("IEND", [])
        return png
    }

    /// An RGB image enlarged `factor` times by nearest neighbour: each pixel becomes a
    /// `factor`×`factor` block of copies, so the result has no blur (32×32 by 4 gives 128×128).
    /// - Returns: the pixels of the `width·factor`×`height·factor` image, row by row, 3 bytes per pixel.
    public static func upscale(rgb pixels: [UInt8], width: Int, height: Int, factor: Int) -> [UInt8] {
        precondition(pixels.count == width * height * 3, "expected \(width * height * 3) bytes, got \(pixels.count)")
        precondition(factor >= 1, "upscale factor \(factor) must be at least 1")
        guard factor > 1 else { return pixels }
        var out = [UInt8]()
        out.reserveCapacity(pixels.count * factor * factor)
        var row = [UInt8]()
        row.reserveCapacity(width * factor * 3)
        for y in 0..<height {
            row.removeAll(keepingCapacity: true)
            for x in 0..<width {
                let p = (y * width + x) * 3
                for _ in 0..<factor { row.append(contentsOf: pixels[p..<(p + 3)]) }
            }
            for _ in 0..<factor { out.append(contentsOf: row) }
        }
        return out
    }
}
