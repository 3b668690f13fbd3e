import Testing
@testable import Training

/// Batch-norm statistics against values worked out by hand.
struct BatchNormTests {
    func close(_ a: [Float], _ b: [Double], tolerance: Double = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test func runningStatisticsFollowPyTorch() {
        let bn = BatchNorm(channels: 2)
        // N = 2, C = 2, H = 1, W = 2. Channel 0 sees 1, 2, 3, 4; channel 1 sees 10, 10, 10, 14.
        let x = Tensor(shape: [2, 2, 1, 2], values: [1, 2, 10, 10, 3, 4, 10, 14])
        let y = bn.forward(x, training: true).values
        // Channel 0: mean 2.5, biased variance 1.25, unbiased 5/3.
        // Channel 1: mean 11, biased variance 3, unbiased 4.
        #expect(close(bn.runningMean.values, [0.25, 1.1]))
        #expect(close(bn.runningVariance.values, [0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 4]))
        let inv0 = 1 / (1.25 + 1e-5).squareRoot(), inv1 = 1 / (3 + 1e-5).squareRoot()
        #expect(close(y, [-1.5 * inv0, -0.5 * inv0, -inv1, -inv1, 0.5 * inv0, 1.5 * inv0, -inv1, 3 * inv1]))

        // A second step: the running values move by momentum 0.1 again.
        let x2 = Tensor(shape: [2, 2, 1, 2], values: [0, 0, 2, 2, 0, 4, 2, 6])
        _ = bn.forward(x2, training: true)
        // Channel 0: mean 1, unbiased variance 4; channel 1: mean 3, unbiased variance 4.
        #expect(close(bn.runningMean.values, [0.9 * 0.25 + 0.1, 0.9 * 1.1 + 0.3]))
        #expect(close(bn.runningVariance.values, [0.9 * (0.9 + 0.5 / 3) + 0.4, 0.9 * 1.3 + 0.4]))

        // Evaluation uses the running statistics and leaves them alone.
        let mean = bn.runningMean.values, variance = bn.runningVariance.values
        let e = bn.forward(Tensor(shape: [1, 2, 1, 1], values: [1, 1]), training: false).values
        #expect(close(e, (0..<2).map { (1 - Double(mean[$0])) / (Double(variance[$0]) + 1e-5).squareRoot() }))
        #expect(bn.runningMean.values == mean && bn.runningVariance.values == variance)
    }

    @Test func scaleAndShiftApply() {
        let bn = BatchNorm(channels: 1)
        bn.scale.value[0] = 2
        bn.shift.value[0] = -1
        let y = bn.forward(Tensor(shape: [4, 1], values: [1, 2, 3, 4]), training: true).values
        let inv = 1 / (1.25 + 1e-5).squareRoot()
        #expect(close(y, [-1.5, -0.5, 0.5, 1.5].map { 2 * $0 * inv - 1 }))
    }
}
