import Dispatch
import Foundation
import Training

// Prints one JSON line per sgemm shape: GFLOP/s of Debian's OpenBLAS at the thread count given
// as the first argument. The shapes are those in `shapes.json` (shared with blas_peer.py), or in
// the JSON file named by the second argument.

let threads = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 1 : 1
let shapesURL =
    CommandLine.arguments.count > 2
    ? URL(fileURLWithPath: CommandLine.arguments[2])
    : URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../shapes.json")
        .standardizedFileURL

struct Shape: Decodable {
    var name: String
    var m: Int, n: Int, k: Int
    var ta: Bool, tb: Bool
    /// How many independent calls of this shape one measurement makes (per-image convolutions).
    var calls: Int
}

let shapes = try JSONDecoder().decode([Shape].self, from: Data(contentsOf: shapesURL))
BLAS.threadCount = threads

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

for shape in shapes {
    let aCount = shape.m * shape.k, bCount = shape.k * shape.n, cCount = shape.m * shape.n
    var a = [Float](repeating: 0, count: aCount), b = [Float](repeating: 0, count: bCount)
    var c = [Float](repeating: 0, count: cCount)
    for i in 0..<aCount { a[i] = Float(i % 7) * 0.1 - 0.3 }
    for i in 0..<bCount { b[i] = Float(i % 5) * 0.1 - 0.2 }
    let lda = shape.ta ? shape.m : shape.k, ldb = shape.tb ? shape.k : shape.n
    func once() {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for _ in 0..<shape.calls {
                        BLAS.sgemm(
                            transposeA: shape.ta, transposeB: shape.tb, m: shape.m, n: shape.n, k: shape.k,
                            alpha: 1, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb,
                            beta: 0, c: c.baseAddress!, ldc: shape.n)
                    }
                }
            }
        }
    }
    once()
    var best = Double.infinity, total = 0.0, reps = 0
    while total < 1.0 || reps < 3 {
        let t = now()
        once()
        let dt = now() - t
        best = min(best, dt)
        total += dt
        reps += 1
    }
    let flops = 2.0 * Double(shape.m) * Double(shape.n) * Double(shape.k) * Double(shape.calls)
    print(
        #"{"impl":"debian-openblas-0.3.21","core":"\#(BLAS.coreName)","threads":\#(threads),"shape":"\#(shape.name)","#
            + #""m":\#(shape.m),"n":\#(shape.n),"k":\#(shape.k),"calls":\#(shape.calls),"#
            + #""gflops":\#(String(format: "%.1f", flops / best / 1e9))}"#)
}
