/// The im2col geometry of one image: a `channels × height × width` plane set, a square kernel,
/// stride and zero padding.
struct Unfolding {
    var channels, height, width, kernel, stride, padding: Int

    var outputHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outputWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Rows × columns of the unfolded matrix.
    var count: Int { channels * kernel * kernel * outputHeight * outputWidth }

    /// im2col: row `(c·k + ky)·k + kx`, column `oy·Wo + ox` of `col` gets
    /// `x[c, oy·s − p + ky, ox·s − p + kx]`, or 0 in the padding.
    func unfold(_ x: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>) {
        unfold(x, rows: 0..<outputHeight, into: col)
    }

    /// im2col for the output rows `rows` only: `col` is `(c·k·k) × (rows.count·Wo)`, column
    /// `(oy − rows.lowerBound)·Wo + ox`. Unfolding a band of rows at a time keeps `col` in cache.
    func unfold(_ x: UnsafePointer<Float>, rows: Range<Int>, into col: UnsafeMutablePointer<Float>) {
        let (ho, wo) = (outputHeight, outputWidth)
        precondition(rows.lowerBound >= 0 && rows.upperBound <= ho, "unfold: rows \(rows) outside 0..<\(ho)")
        if stride == 1 && wo == width && ho == height {
            unfoldSameSize(x, rows: rows, into: col)
            return
        }
        var row = col
        for c in 0..<channels {
            let xc = x + c * height * width
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    let (lo, hi) = validRange(offset: kx, size: width, outputs: wo)
                    for oy in rows {
                        let iy = oy * stride - padding + ky
                        let out = row + (oy - rows.lowerBound) * wo
                        guard iy >= 0 && iy < height else {
                            out.update(repeating: 0, count: wo)
                            continue
                        }
                        let xr = xc + iy * width - padding + kx
                        for ox in 0..<lo { out[ox] = 0 }
                        if stride == 1 {
                            if hi > lo { (out + lo).update(from: xr + lo, count: hi - lo) }
                        } else {
                            for ox in lo..<max(hi, lo) { out[ox] = xr[ox * stride] }
                        }
                        for ox in max(hi, lo)..<wo { out[ox] = 0 }
                    }
                    row += rows.count * wo
                }
            }
        }
    }

    /// ``unfold(_:into:)`` for stride 1 and an output as large as the input: each row of `col` is
    /// the plane shifted by `(ky − p, kx − p)`, so it is one block copy plus zeroed edges, rather
    /// than a copy per output row.
    private func unfoldSameSize(_ x: UnsafePointer<Float>, rows: Range<Int>, into col: UnsafeMutablePointer<Float>) {
        let (h, w) = (height, width), plane = height * width
        let (top, bottom) = (rows.lowerBound, rows.upperBound), band = rows.count * w
        var row = col
        for c in 0..<channels {
            let xc = x + c * plane
            for ky in 0..<kernel {
                let dy = ky - padding
                // Output rows of the band whose input row oy + dy exists.
                let first = min(bottom, max(top, -dy)), end = max(first, min(bottom, h - dy))
                for kx in 0..<kernel {
                    let dx = kx - padding
                    if first > top { row.update(repeating: 0, count: (first - top) * w) }
                    if end < bottom { (row + (end - top) * w).update(repeating: 0, count: (bottom - end) * w) }
                    if end > first {
                        // The block's source may start one element before the plane or end one after it
                        // (dx = ∓1 at the first or last row); those land on edge columns, zeroed below.
                        let start = (first + dy) * w + dx, count = (end - first) * w
                        let from = max(start, 0), to = min(start + count, plane)
                        if to > from {
                            (row + (first - top) * w + (from - start)).update(from: xc + from, count: to - from)
                        }
                        if dx != 0 {
                            let width = min(abs(dx), w), edge = dx < 0 ? 0 : w - width
                            for oy in first..<end {
                                (row + (oy - top) * w + edge).update(repeating: 0, count: width)
                            }
                        }
                    }
                    row += band
                }
            }
        }
    }

    /// col2im, the adjoint of ``unfold(_:into:)``: overwrites `x` with the sum of every column
    /// entry at the pixel it came from.
    func fold(_ col: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>) {
        let (ho, wo) = (outputHeight, outputWidth)
        x.update(repeating: 0, count: channels * height * width)
        var row = col
        for c in 0..<channels {
            let xc = x + c * height * width
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    let (lo, hi) = validRange(offset: kx, size: width, outputs: wo)
                    for oy in 0..<ho {
                        let iy = oy * stride - padding + ky
                        guard iy >= 0 && iy < height else { continue }
                        let xr = xc + iy * width - padding + kx, src = row + oy * wo
                        for ox in lo..<max(hi, lo) { xr[ox * stride] += src[ox] }
                    }
                    row += ho * wo
                }
            }
        }
    }

    /// The outputs `lo..<hi` whose input column `o·s − p + offset` lies inside `0..<size`.
    private func validRange(offset: Int, size: Int, outputs: Int) -> (Int, Int) {
        // o·s ≥ p − offset  and  o·s ≤ size − 1 + p − offset
        let first = padding - offset
        let lo = first <= 0 ? 0 : (first + stride - 1) / stride
        let last = size - 1 + padding - offset
        let hi = last < 0 ? 0 : min(outputs, last / stride + 1)
        return (min(lo, outputs), hi)
    }
}
