import ExplicableCore
import Testing
@testable import Training

/// Forward passes against direct loops in `Double` and hand-made examples.
struct ForwardTests {
    /// (stride, padding, kernel, height, width): the same-size fast path (stride 1, 2p = k − 1),
    /// including planes narrower than the padding, and the general path.
    @Test(arguments: [
        (1, 1, 3, 7, 6), (2, 1, 3, 7, 6), (1, 0, 3, 7, 6), (2, 2, 3, 7, 6), (3, 1, 3, 7, 6), (1, 2, 5, 3, 1),
        (1, 2, 5, 1, 4), (1, 0, 1, 2, 3),
    ])
    func conv2dMatchesDirectConvolution(stride: Int, padding: Int, k: Int, h: Int, w: Int) {
        var g = GradientCheck(seed: UInt64(stride * 10 + padding))
        let (n, cin, cout) = (3, 2, 3)
        let layer = Conv2d(inChannels: cin, outChannels: cout, kernelSize: k, stride: stride, padding: padding)
        g.randomize(layer)
        let x = g.tensor([n, cin, h, w])
        // Unfolded two output rows at a time: bands, and a shorter last band when the height is odd.
        let banded = Conv2d(inChannels: cin, outChannels: cout, kernelSize: k, stride: stride, padding: padding)
        banded.columnBudget = 2 * cin * k * k * layer.outputSize(w)
        banded.weight.value.copy(from: layer.weight.value)
        banded.bias!.value.copy(from: layer.bias!.value)
        let y = layer.forward(x, training: true)
        #expect(zip(banded.forward(x, training: true).values, y.values).allSatisfy { abs($0 - $1) < 1e-5 })
        let (ho, wo) = (layer.outputSize(h), layer.outputSize(w))
        #expect(y.shape == [n, cout, ho, wo])
        let wt = layer.weight.value, b = layer.bias!.value
        var worst = 0.0
        for i in 0..<n {
            for o in 0..<cout {
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var sum = Double(b[o])
                        for c in 0..<cin {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                                    guard iy >= 0 && iy < h && ix >= 0 && ix < w else { continue }
                                    sum +=
                                        Double(x[((i * cin + c) * h + iy) * w + ix])
                                        * Double(wt[((o * cin + c) * k + ky) * k + kx])
                                }
                            }
                        }
                        worst = max(worst, abs(sum - Double(y[((i * cout + o) * ho + oy) * wo + ox])))
                    }
                }
            }
        }
        #expect(worst < 1e-5)
    }

    /// The direct 3×3 kernels against im2col + sgemm, forward and input gradient, for channel
    /// counts on both sides of the kernels' 16-channel blocks, planes from 1×1 to wider than tall,
    /// strides 1 to 3 (above 1 the input gradient stays on im2col).
    @Test(arguments: [
        (3, 16, 32, 32, 1), (5, 1, 1, 1, 1), (16, 17, 8, 8, 1), (33, 16, 2, 7, 1), (4, 40, 9, 13, 1),
        (64, 128, 8, 8, 1), (16, 32, 32, 32, 2), (3, 17, 7, 6, 2), (2, 5, 1, 2, 2), (4, 3, 9, 5, 3),
    ])
    func directKernelsMatchIm2col(cin: Int, cout: Int, h: Int, w: Int, stride: Int) {
        #if arch(x86_64)
            #expect(Conv2d.directKernelsAvailable, "x86-64 CPUs with AVX2 and FMA run the direct kernels")
        #endif
        var g = GradientCheck(seed: UInt64(cin * 1000 + cout))
        let direct = Conv2d(inChannels: cin, outChannels: cout, kernelSize: 3, stride: stride, padding: 1)
        direct.usesDirectKernels = true  // also in a debug build, where the default is im2col
        g.randomize(direct)
        let gemm = Conv2d(inChannels: cin, outChannels: cout, kernelSize: 3, stride: stride, padding: 1)
        gemm.usesDirectKernels = false
        gemm.weight.value.copy(from: direct.weight.value)
        gemm.bias!.value.copy(from: direct.bias!.value)
        let (ho, wo) = (direct.outputSize(h), direct.outputSize(w))
        let x = g.tensor([3, cin, h, w]), gy = g.tensor([3, cout, ho, wo])
        let tolerance = Float(cin * 9).squareRoot() * 2e-6
        let y = direct.forward(x, training: true).values, expected = gemm.forward(x, training: true).values
        #expect(y.count == 3 * cout * ho * wo)
        #expect(zip(y, expected).allSatisfy { abs($0 - $1) <= tolerance })
        let gx = direct.backward(gy).values, gxExpected = gemm.backward(gy).values
        let adjointTolerance = Float(cout * 9).squareRoot() * 2e-6
        #expect(gx.count == 3 * cin * h * w)
        #expect(zip(gx, gxExpected).allSatisfy { abs($0 - $1) <= adjointTolerance })
        // The weight gradient runs on the direct kernel too: sums of 3·ho·wo products in other orders.
        let weightTolerance = Float(3 * ho * wo).squareRoot() * 2e-5
        #expect(
            zip(direct.weight.gradient.values, gemm.weight.gradient.values).allSatisfy {
                abs($0 - $1) <= weightTolerance
            })
        // The same input twice gives the same bits (no order depends on timing).
        #expect(direct.forward(x, training: true).values == y)
    }

    @Test func linearMatchesDirectProduct() {
        var g = GradientCheck()
        let layer = Linear(inFeatures: 5, outFeatures: 4)
        g.randomize(layer)
        let x = g.tensor([17, 5])
        let y = layer.forward(x, training: false)
        #expect(y.shape == [17, 4])
        for r in 0..<17 {
            for o in 0..<4 {
                var sum = Double(layer.bias.value[o])
                for i in 0..<5 { sum += Double(x[r * 5 + i]) * Double(layer.weight.value[o * 5 + i]) }
                #expect(abs(sum - Double(y[r * 4 + o])) < 1e-5)
            }
        }
    }

    @Test func maxPoolAndAveragePoolByHand() {
        // One 3×4 plane: the last row is dropped by 2×2 pooling.
        let x = Tensor(shape: [1, 1, 3, 4], values: [1, 5, 2, 2, 3, -1, 7, 0, 9, 9, 9, 9])
        let pool = MaxPool2x2()
        #expect(pool.forward(x, training: true).values == [5, 7])
        #expect(
            pool.backward(Tensor(shape: [1, 1, 1, 2], values: [10, 20])).values == [
                0, 10, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0,
            ])
        // Ties go to the first maximum.
        let ties = Tensor(shape: [1, 1, 2, 4], values: [4, 4, 1, 2, 4, 4, 2, 2])
        for training in [true, false] {
            _ = pool.forward(ties, training: training)
            #expect(pool.backward(Tensor(shape: [1, 1, 1, 2], values: [1, 3])).values == [1, 0, 0, 3, 0, 0, 0, 0])
            // NaN wins its window; as in PyTorch, a later NaN replaces an earlier one.
            let nan = Tensor(shape: [1, 1, 2, 2], values: [1, .nan, 5, .nan])
            #expect(pool.forward(nan, training: training)[0].isNaN)
            #expect(pool.backward(Tensor(shape: [1, 1, 1, 1], values: [2])).values == [0, 0, 0, 2])
        }
        let gap = GlobalAveragePool().forward(Tensor(shape: [1, 2, 1, 2], values: [1, 3, -2, 6]), training: true)
        #expect(gap.shape == [1, 2] && gap.values == [2, 2])
    }

    /// The AVX2 pooling kernel against the loops: the same maxima and, through the backward pass,
    /// the same winners, on planes with ties, NaNs (one or two per window) and odd sizes, wide
    /// enough for its eight-window steps and their remainders.
    @Test(arguments: [(2, 3, 33, 37), (1, 2, 32, 32), (3, 1, 16, 18), (1, 4, 8, 8), (1, 1, 5, 3)])
    func vectorMaxPoolMatchesTheLoops(n: Int, c: Int, h: Int, w: Int) throws {
        try #require(Conv2d.directKernelsAvailable, "x86-64 CPUs with AVX2 and FMA run the kernels")
        var g = SeededGenerator(seed: UInt64(h * w))
        // Values from a small set, so windows tie often; some NaNs.
        var values = (0..<(n * c * h * w)).map { _ -> Float in
            let r = g.next() % 100
            return r < 4 ? .nan : Float(Int(r % 7) - 3)
        }
        values[0] = .nan
        let x = Tensor(shape: [n, c, h, w], values: values)
        let gradient = Tensor(
            shape: [n, c, h / 2, w / 2], values: (0..<(n * c * (h / 2) * (w / 2))).map { Float($0 % 13 + 1) })
        for training in [true, false] {
            let vector = MaxPool2x2(), loops = MaxPool2x2()
            vector.usesVectorKernel = true
            loops.usesVectorKernel = false
            let (a, b) = (vector.forward(x, training: training).values, loops.forward(x, training: training).values)
            #expect(a.count == b.count)
            #expect(zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "training \(training)")
            #expect(a.contains { $0.isNaN })
            #expect(vector.backward(gradient).values == loops.backward(gradient).values, "training \(training)")
        }
    }

    @Test func paddingShortcutSubsamplesAndPadsChannels() {
        // One 1-channel 3×3 image to 3 channels at stride 2: pixels (0,0), (0,2), (2,0), (2,2) in the middle channel.
        let x = Tensor(shape: [1, 1, 3, 3], values: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let y = PaddingShortcut(inChannels: 1, outChannels: 3, stride: 2).forward(x, training: true)
        #expect(y.shape == [1, 3, 2, 2] && y.values == [0, 0, 0, 0, 1, 3, 7, 9, 0, 0, 0, 0])
    }

    @Test func residualAddsItsBranches() {
        let x = Tensor(shape: [1, 1, 2, 2], values: [-1, 2, -3, 4])
        #expect(Residual(body: [ReLU()]).forward(x, training: true).values == [-1, 4, -3, 8])
    }
}
