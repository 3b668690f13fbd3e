public import Foundation

extension StudySpec {
    /// A slider's range and resolution: `min`…`max` in steps of `step`.
    public struct ContinuousScale: Codable, Sendable, Equatable, CustomStringConvertible {
        public var min: Double
        public var max: Double
        public var step: Double

        public init(min: Double, max: Double, step: Double) {
            self.min = min
            self.max = max
            self.step = step
        }

        /// Whether `value` lies in `min…max` on the grid of `step` (to 1e-9 of a step, so 0.1 + 0.2 counts as 0.3).
        public func contains(_ value: Double) -> Bool {
            guard value.isFinite, value >= min - step * 1e-9, value <= max + step * 1e-9 else { return false }
            let steps = (value - min) / step
            return abs(steps - steps.rounded()) <= 1e-9 * Swift.max(1, abs(steps))
        }

        /// `0…10 in steps of 0.25`.
        public var description: String {
            func text(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
            return "\(text(min))…\(text(max)) in steps of \(text(step))"
        }
    }
}
