import Dispatch
import ExplicableCore
import Foundation

extension Corruption {
    /// The channel means are summed pixel by pixel in double, the order `np.mean(axis=(0, 1))` uses
    /// for an H×W×3 array.
    static func contrast(_ x: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, c: Double) {
        var mean = [0.0, 0.0, 0.0]
        for i in x.indices { mean[i % 3] += Double(x[i]) / 255 }
        let pixels = Double(x.count / 3)
        for k in 0..<3 { mean[k] /= pixels }
        for i in x.indices {
            let m = mean[i % 3]
            out[i] = byte((Double(x[i]) / 255 - m) * c + m)
        }
    }

    /// skimage's `rgb2hsv` and `hsv2rgb` (0.14–0.26) per pixel, with its tie order (blue's hue
    /// formula wins over green's, green's over red's) and NumPy's float `%`.
    static func brightness(_ x: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, c: Double) {
        for p in stride(from: 0, to: x.count, by: 3) {
            let r = Double(x[p]) / 255
            let g = Double(x[p + 1]) / 255
            let b = Double(x[p + 2]) / 255
            let value = max(r, g, b)
            let delta = value - min(r, g, b)
            var hue = 0.0
            var saturation = 0.0
            if delta != 0 {
                saturation = delta / value
                let h6: Double
                if b == value {
                    h6 = 4 + (r - g) / delta
                } else if g == value {
                    h6 = 2 + (b - r) / delta
                } else {
                    h6 = (g - b) / delta
                }
                hue = fmod(h6 / 6, 1)
                if hue < 0 { hue += 1 }
            }
            let v = min(max(value + c, 0), 1)
            let hi = (hue * 6).rounded(.down)
            let f = hue * 6 - hi
            let pp = v * (1 - saturation)
            let q = v * (1 - f * saturation)
            let t = v * (1 - (1 - f) * saturation)
            let rgb: (Double, Double, Double)
            switch Int(hi) % 6 {
            case 0: rgb = (v, t, pp)
            case 1: rgb = (q, v, pp)
            case 2: rgb = (pp, v, t)
            case 3: rgb = (pp, q, v)
            case 4: rgb = (t, pp, v)
            default: rgb = (v, pp, q)
            }
            out[p] = byte(rgb.0)
            out[p + 1] = byte(rgb.1)
            out[p + 2] = byte(rgb.2)
        }
    }
}
