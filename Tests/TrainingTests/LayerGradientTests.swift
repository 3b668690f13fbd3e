import Testing
@testable import Training

/// Every layer's backward pass against central finite differences.
struct LayerGradientTests {
    struct ConvCase: CustomTestStringConvertible, Sendable {
        var inChannels, outChannels, kernel, stride, padding, height, width: Int
        var bias: Bool
        var testDescription: String {
            "\(inChannels)→\(outChannels) k\(kernel) s\(stride) p\(padding) \(height)×\(width)\(bias ? " bias" : "")"
        }
    }

    @Test(arguments: [
        ConvCase(inChannels: 2, outChannels: 3, kernel: 3, stride: 1, padding: 1, height: 5, width: 4, bias: true),
        ConvCase(inChannels: 3, outChannels: 17, kernel: 3, stride: 1, padding: 1, height: 3, width: 5, bias: false),
        ConvCase(inChannels: 2, outChannels: 2, kernel: 3, stride: 2, padding: 1, height: 6, width: 5, bias: false),
        ConvCase(inChannels: 3, outChannels: 2, kernel: 1, stride: 1, padding: 0, height: 3, width: 3, bias: true),
        ConvCase(inChannels: 2, outChannels: 4, kernel: 1, stride: 2, padding: 0, height: 4, width: 4, bias: false),
        ConvCase(inChannels: 1, outChannels: 2, kernel: 2, stride: 1, padding: 0, height: 3, width: 4, bias: true),
    ])
    func conv2d(_ c: ConvCase) {
        // The default band budget (whole images here), one output row per band, and im2col instead of
        // the direct kernels (which 3×3, padding-1 cases use by default).
        for (budget, direct) in [(1 << 16, true), (1, true), (1 << 16, false)] {
            var g = GradientCheck()
            let layer = Conv2d(
                inChannels: c.inChannels, outChannels: c.outChannels, kernelSize: c.kernel, stride: c.stride,
                padding: c.padding, bias: c.bias)
            layer.columnBudget = budget
            layer.usesDirectKernels = direct && Conv2d.directKernelsAvailable
            g.randomize(layer)
            g.expectGradients(layer, input: g.tensor([3, c.inChannels, c.height, c.width]))
        }
    }

    @Test func linearFlattensItsInput() {
        var g = GradientCheck()
        let layer = Linear(inFeatures: 12, outFeatures: 5)
        g.randomize(layer)
        g.expectGradients(layer, input: g.tensor([4, 3, 2, 2]))
    }

    @Test(arguments: [true, false])
    func batchNorm(training: Bool) {
        var g = GradientCheck()
        let layer = BatchNorm(channels: 3)
        g.randomize(layer)
        for i in 0..<3 {
            layer.runningMean[i] = Float(i) * 0.1
            layer.runningVariance[i] = 0.5 + Float(i) * 0.2
        }
        g.expectGradients(layer, input: g.tensor([4, 3, 2, 3]), training: training)
        g.expectGradients(BatchNorm(channels: 5), input: g.tensor([6, 5]), training: training)
    }

    @Test func relu() {
        var g = GradientCheck()
        // Keep inputs away from the kink at 0, where finite differences are meaningless.
        let x = g.tensor([2, 3, 4, 4])
        for i in 0..<x.count { x[i] = x[i] < 0 ? x[i] - 0.05 : x[i] + 0.05 }
        g.expectGradients(ReLU(), input: x, step: 1e-3)
    }

    @Test func maxPool() {
        var g = GradientCheck()
        // Distinct values 0.01 apart, shuffled, so no window has a near-tie.
        let x = Tensor(shape: [2, 3, 4, 5])
        var values = (0..<x.count).map { Float($0) * 0.01 }
        values.shuffle(using: &g.generator)
        x.values = values
        // The loops and, where the CPU runs it, the AVX2 kernel (the default of a release build).
        for vector in Conv2d.directKernelsAvailable ? [false, true] : [false] {
            let pool = MaxPool2x2()
            pool.usesVectorKernel = vector
            g.expectGradients(pool, input: x, step: 1e-3)
            // After an evaluation pass the backward pass finds the winners from the input instead.
            g.expectGradients(pool, input: x, training: false, step: 1e-3)
        }
    }

    @Test func globalAveragePool() {
        var g = GradientCheck()
        g.expectGradients(GlobalAveragePool(), input: g.tensor([3, 4, 3, 2]))
    }

    @Test func residualWithIdentityAndProjectionShortcuts() {
        var g = GradientCheck()
        let identity = Residual(body: [
            Conv2d(inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, bias: false), BatchNorm(channels: 2),
            ReLU(),
        ])
        g.randomize(identity)
        g.expectGradients(identity, input: g.tensor([3, 2, 4, 4]))
        let projection = Residual(
            body: [Conv2d(inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 1)],
            shortcut: [Conv2d(inChannels: 2, outChannels: 3, kernelSize: 1, stride: 2, bias: false)])
        g.randomize(projection)
        g.expectGradients(projection, input: g.tensor([2, 2, 5, 5]))
    }

    @Test func paddingShortcut() {
        var g = GradientCheck()
        g.expectGradients(PaddingShortcut(inChannels: 2, outChannels: 4, stride: 2), input: g.tensor([2, 2, 5, 4]))
        g.expectGradients(PaddingShortcut(inChannels: 3, outChannels: 3, stride: 1), input: g.tensor([2, 3, 2, 2]))
    }

    @Test func sequentialChainsGradients() {
        var g = GradientCheck()
        let net = Sequential([
            // No conv bias before batch norm: its true gradient is exactly 0, which finite differences can't resolve.
            Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, bias: false), BatchNorm(channels: 4),
            ReLU(),
            MaxPool2x2(), Linear(inFeatures: 16, outFeatures: 3),
        ])
        g.randomize(net)
        // BN + ReLU + max-pool make near-ties possible; a smaller step keeps them rare.
        for result in g.check(net, input: g.tensor([4, 3, 4, 4]), step: 1e-3) {
            #expect(result.violation <= 1, "\(result.name): violation \(result.violation)")
        }
    }

    /// In training `Sequential` runs a batch norm and its ReLU as one layer: the output, the input
    /// gradient and the batch norm's parameter gradients must be bit for bit those of the two layers
    /// run one after the other (planes of 9 and 64 values: with and without the SIMD remainder).
    @Test(arguments: [[3, 4, 3, 3], [2, 3, 8, 8], [5, 6]])
    func batchNormAndReLUFusedEqualTheTwoLayers(shape: [Int]) {
        var g = GradientCheck()
        let (fusedNorm, norm) = (BatchNorm(channels: shape[1]), BatchNorm(channels: shape[1]))
        g.randomize(fusedNorm)
        norm.scale.value.copy(from: fusedNorm.scale.value)
        norm.shift.value.copy(from: fusedNorm.shift.value)
        let fused = Sequential([fusedNorm, ReLU()])
        let relu = ReLU()
        let x = g.tensor(shape), gradient = g.tensor(shape)
        let y = fused.forward(x, training: true).values
        #expect(y == relu.forward(norm.forward(x, training: true), training: true).values)
        #expect(y.contains(0) && y.contains { $0 > 0 }, "both sides of the ReLU are exercised")
        #expect(fused.backward(gradient).values == norm.backward(relu.backward(gradient)).values)
        #expect(fusedNorm.scale.gradient.values == norm.scale.gradient.values)
        #expect(fusedNorm.shift.gradient.values == norm.shift.gradient.values)
        #expect(fusedNorm.runningMean.values == norm.runningMean.values)
        #expect(fusedNorm.runningVariance.values == norm.runningVariance.values)
        // An evaluation pass after it runs the layers apart again, and so does a training pass of the
        // batch norm alone.
        #expect(
            fused.forward(x, training: false).values
                == relu.forward(norm.forward(x, training: false), training: false).values)
        _ = fusedNorm.forward(x, training: true)
        _ = norm.forward(x, training: true)
        #expect(fusedNorm.backward(gradient).values == norm.backward(gradient).values)
    }

    /// The checker must reject gradients that are a little wrong, or the tests above prove nothing.
    @Test func checkerCatchesWrongGradients() {
        var g = GradientCheck()
        let layer = Conv2d(inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1)
        g.randomize(layer)
        let results = g.check(layer, input: g.tensor([2, 2, 4, 4]))
        for result in results {
            #expect(result.violation <= 1)
            // 5 % too large everywhere.
            #expect(GradientCheck.violation(analytic: result.analytic.map { $0 * 1.05 }, numeric: result.numeric) > 1)
            // One element off by 10 % of the largest gradient.
            var wrong = result.analytic
            let i = wrong.indices.max { abs(wrong[$0]) < abs(wrong[$1]) }!
            wrong[wrong.count / 2] += 0.1 * abs(wrong[i])
            #expect(GradientCheck.violation(analytic: wrong, numeric: result.numeric) > 1)
        }
    }
}
