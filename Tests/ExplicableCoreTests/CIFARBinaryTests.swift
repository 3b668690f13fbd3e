import ExplicableCore
import Foundation
import TestSupport
import Testing

/// The CIFAR-10 binary reader against the real test batch, by content.
struct CIFARBinaryTests {
    /// Labels and pixels of known test images, read from `test_batch.bin` with python3 (records of
    /// 3,073 bytes: the label byte, then the red, green and blue 32×32 planes):
    /// `rec = data[i*3073:(i+1)*3073]; label = rec[0]; rgb(y, x) = [rec[1 + c*1024 + y*32 + x] for c in 0, 1, 2]`.
    static let known: [(image: Int, label: Int, pixels: [(x: Int, y: Int, rgb: [UInt8])])] = [
        (0, 3, [(0, 0, [158, 112, 49]), (17, 5, [66, 56, 45]), (31, 31, [21, 67, 110]), (8, 16, [138, 121, 82])]),
        (1, 8, [(0, 0, [235, 235, 235]), (17, 5, [194, 205, 210]), (31, 31, [186, 200, 199])]),
        (9999, 7, [(0, 0, [75, 80, 74]), (17, 5, [119, 130, 126]), (31, 31, [28, 25, 16]), (8, 16, [86, 76, 67])]),
    ]

    @Test func labelsAndPixelsOfKnownTestImages() throws {
        let batch = try CIFARBinary(url: try requireSharedData("cifar-10-batches-bin/test_batch.bin"))
        #expect(batch.count == 10_000)
        for (image, label, pixels) in Self.known {
            #expect(batch.label(image) == label, "label of test image \(image)")
            let rgb = batch.rgb(image)
            #expect(rgb.count == 32 * 32 * 3)
            for (x, y, expected) in pixels {
                let p = (y * 32 + x) * 3
                #expect(Array(rgb[p..<(p + 3)]) == expected, "test image \(image), pixel (\(x), \(y))")
            }
        }
    }
}
