import Foundation

/// A learning-rate schedule over optimiser steps (or epochs, whichever the caller counts).
///
/// Each case computes the value in closed form from the step index, so a resumed run gets the
/// same rates as an uninterrupted one.
public indirect enum Schedule: Sendable, Equatable {
    /// The same rate throughout.
    case constant(Double)
    /// PyTorch's `StepLR`: `initial · gamma^⌊t / stepSize⌋`.
    case step(initial: Double, stepSize: Int, gamma: Double = 0.1)
    /// PyTorch's `CosineAnnealingLR` (no restarts): `minimum + (initial − minimum) · (1 + cos(π t / T)) / 2`,
    /// then `minimum` after `T = totalSteps`.
    case cosine(initial: Double, totalSteps: Int, minimum: Double = 0)
    /// PyTorch's `OneCycleLR` with its defaults (two phases, cosine annealing): from `max / divFactor`
    /// up to `max` over the first `pctStart` of the steps, then down to `max / divFactor / finalDivFactor`
    /// at step `totalSteps − 1`; momentum moves the opposite way between `maxMomentum` and `baseMomentum`.
    case oneCycle(
        max: Double, totalSteps: Int, pctStart: Double = 0.3, divFactor: Double = 25, finalDivFactor: Double = 1e4,
        baseMomentum: Double = 0.85, maxMomentum: Double = 0.95)
    /// Linear warm-up, as PyTorch's `LinearLR` then the schedule in a `SequentialLR`: for
    /// `t < steps` the rate is `schedule(0) · (startFactor + (1 − startFactor) · t / steps)`,
    /// afterwards `schedule(t − steps)`.
    case warmup(steps: Int, startFactor: Double = 1.0 / 3, then: Schedule)

    /// The learning rate at step `t` (0 for the first step).
    public func learningRate(at t: Int) -> Double {
        precondition(t >= 0, "negative step")
        switch self {
        case .constant(let rate):
            return rate
        case .step(let initial, let stepSize, let gamma):
            return initial * pow(gamma, Double(t / stepSize))
        case .cosine(let initial, let total, let minimum):
            guard t < total else { return minimum }
            return minimum + (initial - minimum) * (1 + cos(Double.pi * Double(t) / Double(total))) / 2
        case .oneCycle:
            return oneCycle(at: t).learningRate
        case .warmup(let steps, let startFactor, let schedule):
            guard t < steps else { return schedule.learningRate(at: t - steps) }
            return schedule.learningRate(at: 0) * (startFactor + (1 - startFactor) * Double(t) / Double(steps))
        }
    }

    /// The momentum at step `t` for schedules that cycle it (one-cycle), else `nil`.
    public func momentum(at t: Int) -> Double? {
        switch self {
        case .oneCycle: oneCycle(at: t).momentum
        case .warmup(let steps, _, let schedule): schedule.momentum(at: max(0, t - steps))
        default: nil
        }
    }

    /// Sets the optimiser's learning rate (and SGD's momentum, for one-cycle) for step `t`.
    public func apply(to optimizer: any Optimizer, at t: Int) {
        optimizer.learningRate = learningRate(at: t)
        if let momentum = momentum(at: t), let sgd = optimizer as? SGD { sgd.momentum = momentum }
    }

    private func oneCycle(at t: Int) -> (learningRate: Double, momentum: Double) {
        guard
            case .oneCycle(let top, let total, let pctStart, let divFactor, let finalDivFactor, let baseM, let maxM) =
                self
        else { preconditionFailure("not a one-cycle schedule") }
        precondition(t < total, "one-cycle schedule has \(total) steps, asked for step \(t)")
        let initial = top / divFactor, minimum = initial / finalDivFactor
        let warmEnd = pctStart * Double(total) - 1, end = Double(total) - 1
        func anneal(_ start: Double, _ stop: Double, _ pct: Double) -> Double {
            stop + (start - stop) / 2 * (cos(Double.pi * pct) + 1)
        }
        if Double(t) <= warmEnd {
            let pct = Double(t) / warmEnd
            return (anneal(initial, top, pct), anneal(maxM, baseM, pct))
        }
        let pct = (Double(t) - warmEnd) / (end - warmEnd)
        return (anneal(top, minimum, pct), anneal(baseM, maxM, pct))
    }
}
