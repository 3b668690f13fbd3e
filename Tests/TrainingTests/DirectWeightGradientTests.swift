import Testing
@testable import Training

/// The weight gradient of 3×3, padding-1 convolutions on the direct kernel: against im2col +
/// sgemm, against finite differences, and bit for bit from run to run.
struct DirectWeightGradientTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        var inChannels, outChannels, batch, height, width, stride: Int
        var testDescription: String {
            "\(batch)×\(inChannels)→\(outChannels) \(height)×\(width) s\(stride)"
        }
    }

    /// A direct and an im2col convolution with the same random weights and bias.
    static func pair(_ s: Shape, _ g: inout GradientCheck) -> (direct: Conv2d, gemm: Conv2d) {
        #if arch(x86_64)
            #expect(Conv2d.directKernelsAvailable, "x86-64 CPUs with AVX2 and FMA run the direct kernels")
        #endif
        let direct = Conv2d(
            inChannels: s.inChannels, outChannels: s.outChannels, kernelSize: 3, stride: s.stride, padding: 1)
        direct.usesDirectKernels = true  // also in a debug build, where the default is im2col
        g.randomize(direct)
        let gemm = Conv2d(
            inChannels: s.inChannels, outChannels: s.outChannels, kernelSize: 3, stride: s.stride, padding: 1)
        gemm.usesDirectKernels = false
        gemm.weight.value.copy(from: direct.weight.value)
        gemm.bias!.value.copy(from: direct.bias!.value)
        return (direct, gemm)
    }

    /// Channel counts on both sides of the kernel's 16-channel blocks and 6-pair groups, odd
    /// planes, batch 1, strides 1 to 3, and batches split among the cores.
    @Test(arguments: [
        Shape(inChannels: 3, outChannels: 16, batch: 2, height: 32, width: 32, stride: 1),
        Shape(inChannels: 5, outChannels: 17, batch: 1, height: 9, width: 13, stride: 1),
        Shape(inChannels: 16, outChannels: 33, batch: 3, height: 8, width: 7, stride: 1),
        Shape(inChannels: 1, outChannels: 1, batch: 1, height: 1, width: 1, stride: 1),
        Shape(inChannels: 32, outChannels: 40, batch: 4, height: 6, width: 6, stride: 1),
        Shape(inChannels: 7, outChannels: 3, batch: 2, height: 7, width: 6, stride: 2),
        Shape(inChannels: 16, outChannels: 32, batch: 3, height: 16, width: 16, stride: 2),
        Shape(inChannels: 4, outChannels: 5, batch: 1, height: 9, width: 5, stride: 3),
    ])
    func matchesIm2col(_ s: Shape) {
        var g = GradientCheck(seed: UInt64(s.inChannels * 1000 + s.outChannels))
        let (direct, gemm) = Self.pair(s, &g)
        let x = g.tensor([s.batch, s.inChannels, s.height, s.width])
        let gy = g.tensor([s.batch, s.outChannels, direct.outputSize(s.height), direct.outputSize(s.width)])
        for layer in [direct, gemm] {
            _ = layer.forward(x, training: true)
            _ = layer.backward(gy)
        }
        // Sums of batch·ho·wo products of values in −1…1, in different orders.
        let terms = s.batch * direct.outputSize(s.height) * direct.outputSize(s.width)
        let tolerance = Float(terms).squareRoot() * 2e-5
        let dw = direct.weight.gradient.values, expected = gemm.weight.gradient.values
        #expect(dw.count == s.outChannels * s.inChannels * 9)
        let worst = zip(dw, expected).map { abs($0 - $1) }.max()!
        #expect(worst <= tolerance, "worst difference \(worst), tolerance \(tolerance)")
        #expect(expected.contains { $0 != 0 })
        #expect(zip(direct.bias!.gradient.values, gemm.bias!.gradient.values).allSatisfy { abs($0 - $1) <= tolerance })
    }

    /// The weight gradient against central differences of `Σ R ⊙ conv(x)`, batch 1 and 3.
    @Test(arguments: [
        Shape(inChannels: 3, outChannels: 17, batch: 1, height: 5, width: 7, stride: 1),
        Shape(inChannels: 2, outChannels: 5, batch: 3, height: 4, width: 3, stride: 1),
        Shape(inChannels: 2, outChannels: 3, batch: 3, height: 7, width: 6, stride: 2),
    ])
    func matchesFiniteDifferences(_ s: Shape) throws {
        var g = GradientCheck(seed: 9)
        let layer = Self.pair(s, &g).direct
        let results = g.check(layer, input: g.tensor([s.batch, s.inChannels, s.height, s.width]))
        let weight = try #require(results.first { $0.name == "weight" })
        #expect(weight.violation <= 1, "violation \(weight.violation)")
        #expect(weight.numeric.contains { $0 != 0 })
    }

    /// The same input and output gradient give the same bits, twice on one layer and on a second
    /// layer with the same weights, with the batch split among the cores.
    @Test func isDeterministic() {
        let s = Shape(inChannels: 16, outChannels: 24, batch: 5, height: 12, width: 10, stride: 1)
        var g = GradientCheck(seed: 3)
        let (first, _) = Self.pair(s, &g)
        let (second, _) = Self.pair(s, &g)
        second.weight.value.copy(from: first.weight.value)
        second.bias!.value.copy(from: first.bias!.value)
        let x = g.tensor([s.batch, s.inChannels, s.height, s.width])
        let gy = g.tensor([s.batch, s.outChannels, s.height, s.width])
        func gradient(_ layer: Conv2d) -> [Float] {
            _ = layer.forward(x, training: true)
            _ = layer.backward(gy)
            return layer.weight.gradient.values
        }
        let reference = gradient(first)
        #expect(reference.contains { $0 != 0 })
        #expect(gradient(first) == reference)
        #expect(gradient(second) == reference)
    }
}
