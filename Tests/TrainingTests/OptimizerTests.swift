import Testing
@testable import Training

/// Optimiser steps and schedules against values printed by PyTorch 2.15 (float64) for the same inputs.
struct OptimizerTests {
    /// Three steps on p₀ = [0.5, −1, 2] with gradients gₜ = [0.1·t, −0.2, 0.3·(−1)ᵗ].
    func run(_ make: ([Parameter]) -> any Optimizer) -> [Float] {
        let p = Parameter(name: "p", shape: [3])
        p.value.values = [0.5, -1, 2]
        let optimizer = make([p])
        for t in 1...3 {
            p.gradient.values = [0.1 * Float(t), -0.2, t % 2 == 0 ? 0.3 : -0.3]
            optimizer.step()
        }
        return p.value.values
    }

    func expectClose(
        _ a: [Float], _ b: [Double], tolerance: Double = 2e-6, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) {
            #expect(abs(Double(x) - y) <= tolerance * max(1, abs(y)), "\(a) vs \(b)", sourceLocation: sourceLocation)
        }
    }

    @Test func sgdMatchesPyTorch() {
        expectClose(run { SGD(parameters: $0, learningRate: 0.1) }, [0.44, -0.94, 2.03])
        expectClose(
            run { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01) },
            [0.35056756198049993, -0.8312629239609999, 2.062599368052])
        expectClose(
            run { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.01) },
            [0.436845072375, -0.9126851447500001, 2.059434807])
    }

    /// An optimiser rebuilt from another's state continues exactly as the original would.
    @Test func stateRestoresForResume() {
        func parameter() -> Parameter {
            let p = Parameter(name: "p", shape: [3])
            p.value.values = [0.5, -1, 2]
            return p
        }
        func gradient(_ t: Int, _ p: Parameter) { p.gradient.values = [0.1 * Float(t), -0.2, t % 2 == 0 ? 0.3 : -0.3] }
        let (p1, p2) = (parameter(), parameter())
        let sgd = SGD(parameters: [p1], learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01)
        let adam = AdamW(parameters: [p2], learningRate: 0.01)
        for t in 1...2 {
            gradient(t, p1)
            sgd.step()
            gradient(t, p2)
            adam.step()
        }
        let (q1, q2, fresh) = (parameter(), parameter(), parameter())
        q1.value.copy(from: p1.value)
        q2.value.copy(from: p2.value)
        fresh.value.copy(from: p1.value)
        let sgd2 = SGD(parameters: [q1], learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01)
        sgd2.buffers = sgd.buffers.map { b in Tensor(shape: b.shape, values: b.values) }
        let adam2 = AdamW(parameters: [q2], learningRate: 0.01)
        adam2.stepCount = adam.stepCount
        adam2.firstMoments[0].copy(from: adam.firstMoments[0])
        adam2.secondMoments[0].copy(from: adam.secondMoments[0])
        gradient(3, p1)
        sgd.step()
        gradient(3, q1)
        sgd2.step()
        gradient(3, p2)
        adam.step()
        gradient(3, q2)
        adam2.step()
        #expect(p1.value.values == q1.value.values && p2.value.values == q2.value.values)
        // Without the restored buffers the third step differs.
        let sgd3 = SGD(parameters: [fresh], learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01)
        gradient(3, fresh)
        sgd3.step()
        #expect(fresh.value.values != p1.value.values)
    }

    @Test func adamWMatchesPyTorch() {
        expectClose(
            run { AdamW(parameters: $0, learningRate: 0.01, weightDecay: 0.1) },
            [0.4692993108721331, -0.9670329904985006, 2.00681815167858])
    }

    func rates(_ schedule: Schedule, _ count: Int) -> [Double] { (0..<count).map { schedule.learningRate(at: $0) } }

    func expectClose(_ a: [Double], _ b: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-11, "\(a) vs \(b)", sourceLocation: sourceLocation) }
    }

    @Test func stepAndCosineMatchPyTorch() {
        expectClose(
            rates(.step(initial: 0.05, stepSize: 3, gamma: 0.5), 8),
            [0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125])
        expectClose(
            rates(.cosine(initial: 0.05, totalSteps: 6, minimum: 0.001), 6),
            [0.05, 0.046717622393, 0.03775, 0.0255, 0.01325, 0.004282377607])
    }

    @Test func oneCycleMatchesPyTorch() {
        let schedule = Schedule.oneCycle(max: 0.05, totalSteps: 20)
        expectClose(
            rates(schedule, 20),
            [
                0.002, 0.006583592135, 0.018583592135, 0.033416407865, 0.045416407865, 0.05, 0.049373200312,
                0.047524231601, 0.044545808879, 0.040587282697, 0.03584715009, 0.030563101097, 0.0250001,
                0.019437098903, 0.01415304991, 0.009412917303, 0.005454391121, 0.002475968399, 0.000626999688, 2e-07,
            ])
        expectClose(
            (0..<20).map { schedule.momentum(at: $0)! },
            [
                0.95, 0.940450849719, 0.915450849719, 0.884549150281, 0.859549150281, 0.85, 0.851253604391,
                0.854951556605, 0.860908425877, 0.868825509907, 0.878305813044, 0.888873953302, 0.9, 0.911126046698,
                0.921694186956, 0.931174490093, 0.939091574123, 0.945048443395, 0.948746395609, 0.95,
            ])
        let sgd = SGD(parameters: [], learningRate: 1, momentum: 0.9)
        schedule.apply(to: sgd, at: 5)
        #expect(sgd.learningRate == 0.05 && abs(sgd.momentum - 0.85) < 1e-12)
    }

    @Test func warmupThenCosineMatchesPyTorch() {
        // SequentialLR([LinearLR(total_iters: 3), CosineAnnealingLR(T_max: 5)], milestones: [3]).
        expectClose(
            rates(.warmup(steps: 3, then: .cosine(initial: 0.05, totalSteps: 5)), 9),
            [
                0.016666666667, 0.027777777778, 0.038888888889, 0.05, 0.045225424859, 0.032725424859, 0.017274575141,
                0.004774575141, 0.0,
            ])
    }
}
