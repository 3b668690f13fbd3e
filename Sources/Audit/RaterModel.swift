public import ExplicableCore
public import Foundation

/// A population of raters calibrated on real per-rater ratings, for simulating studies.
///
/// Each rater `r` is linear in the consensus with noise: on the unit scale (0 = the scale's lowest
/// point, 1 = its highest), rater r's rating of an item with consensus `c` is
/// `a_r + b_r · (c − c̄) + σ_r · z`, z standard normal, `c̄` the calibration items' mean consensus
/// (so `a_r`, the rater's level, and `b_r`, their scale use, are nearly independent and drawn so), then snapped to the scale's points (or, on a
/// slider, rounded the way the calibration raters rounded). ``fit(csv:)`` estimates `a_r`, `b_r`,
/// `σ_r` per rater by least squares against the leave-one-out mean of the others and keeps their
/// means and standard deviations; ``draw(careless:using:)`` draws a new rater from them.
///
/// The calibration data is WordSim-353 set 1 (`human/wordsim353-set1.csv` in the data folder: 13
/// raters × 153 word pairs, 0–10 with decimals): word relatedness, not class confusability, so it
/// calibrates how people use a bounded scale (bias, scale use, noise, rounding), not a matrix.
///
/// ```swift
/// let population = try RaterPopulation.fit(csv: data.appendingPathComponent("human/wordsim353-set1.csv"))
/// var rng = SeededGenerator(seed: 1)
/// let rater = population.draw(careless: false, using: &rng)
/// let rating = rater.rate(unit: 0.3, on: .likert([0, 1, 2, 3, 4]), using: &rng)
/// ```
public struct RaterPopulation: Sendable, Equatable, Codable {
    /// A mean and a standard deviation over raters.
    public struct Spread: Sendable, Equatable, Codable {
        public var mean: Double
        public var sd: Double

        public init(mean: Double, sd: Double) {
            self.mean = mean
            self.sd = sd
        }
    }

    /// Level `a_r` on the unit scale: the rater's rating of an item of consensus ``centre``.
    public var bias: Spread
    /// `c̄`: the mean consensus of the calibration items, where ``bias`` is measured.
    public var centre: Double
    /// Slope `b_r` (scale use: below 1 compresses, above 1 stretches).
    public var slope: Spread
    /// Residual standard deviation `σ_r` on the unit scale.
    public var noise: Spread
    /// Share of slider ratings that are not whole points of the calibration scale (WordSim: 0–10).
    public var decimalShare: Double
    /// Share of slider ratings on a half point (x.5); the rest of ``decimalShare`` goes to quarters.
    public var halfShare: Double
    /// Chance that an attentive rater misses an attention check anyway (not in the calibration
    /// data; default 0.01).
    public var lapse: Double
    /// Where the fit came from, and its size.
    public var source: String
    public var raters: Int
    public var items: Int

    public init(
        bias: Spread, centre: Double = 0, slope: Spread, noise: Spread, decimalShare: Double, halfShare: Double,
        lapse: Double = 0.01, source: String, raters: Int, items: Int
    ) {
        self.bias = bias
        self.centre = centre
        self.slope = slope
        self.noise = noise
        self.decimalShare = decimalShare
        self.halfShare = halfShare
        self.lapse = lapse
        self.source = source
        self.raters = raters
        self.items = items
    }

    /// Per-rater fit of one calibration rater.
    public struct RaterFit: Sendable, Equatable, Codable {
        public var bias: Double
        public var slope: Double
        public var noise: Double
    }

    /// Fits the population to a WordSim-353-style CSV: `Word 1,Word 2,Human (mean),1,…,R`, one
    /// column per rater, ratings in 0…10. Self-pairs (`tiger,tiger`) are left out: everyone gives them 10.
    /// - Throws: `ExplicableError` (`badInput`) naming the file and line of a malformed row or a
    ///   rating outside 0…10, or when fewer than 3 raters or 10 pairs remain.
    public static func fit(csv url: URL) throws(ExplicableError) -> RaterPopulation {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ExplicableError(.io, "cannot read ratings: \(error.localizedDescription)", file: url.path)
        }
        guard data.count <= 64 << 20 else { throw .badInput("ratings file over 64 MiB", file: url.path) }
        return try fit(text: String(decoding: data, as: UTF8.self), file: url.path).population
    }

    /// The ratings of a WordSim-style CSV, items × raters on 0…10, self-pairs left out.
    public static func readRatings(text: String, file: String) throws(ExplicableError) -> [[Double]] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false) else {
            throw .badInput("empty ratings file", file: file, line: 1)
        }
        guard header.count >= 6, header[0].lowercased() == "word 1", header[1].lowercased() == "word 2" else {
            throw .badInput(
                "header must be 'Word 1,Word 2,Human (mean),1,2,…' with at least 3 rater columns",
                file: file, line: 1)
        }
        let raterCount = header.count - 3
        var rows: [[Double]] = []
        for (index, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == header.count else {
                throw .badInput("expected \(header.count) fields, found \(fields.count)", file: file, line: index + 1)
            }
            if fields[0].lowercased() == fields[1].lowercased() { continue }
            var row: [Double] = []
            for (k, field) in fields.dropFirst(3).enumerated() {
                guard let v = Double(field.trimmingCharacters(in: .whitespaces)), v.isFinite, (0...10).contains(v)
                else {
                    throw .badInput(
                        "rater \(header[k + 3]): '\(field)' is not a rating in 0…10", file: file,
                        line: index + 1, column: k + 4)
                }
                row.append(v)
            }
            rows.append(row)
        }
        guard rows.count >= 10, raterCount >= 3 else {
            throw .badInput(
                "need at least 10 word pairs and 3 raters to fit, found \(rows.count) and \(raterCount)",
                file: file)
        }
        return rows
    }

    /// Fits the population to the text of a WordSim-style CSV; also returns each rater's fit.
    public static func fit(text: String, file: String) throws(ExplicableError)
        -> (population: RaterPopulation, raters: [RaterFit])
    {
        let rows = try readRatings(text: text, file: file)
        let r = rows[0].count
        var fits: [RaterFit] = []
        let centre = Statistics.mean(rows.map { Statistics.mean($0) / 10 })
        for k in 0..<r {
            let y = rows.map { $0[k] / 10 }
            let x = rows.map { row in (row.reduce(0, +) - row[k]) / Double(r - 1) / 10 }
            let mx = Statistics.mean(x), my = Statistics.mean(y)
            var sxy = 0.0, sxx = 0.0
            for (xi, yi) in zip(x, y) {
                sxy += (xi - mx) * (yi - my)
                sxx += (xi - mx) * (xi - mx)
            }
            let b = sxx > 0 ? sxy / sxx : 0, a = my + b * (centre - mx)
            let ss = zip(x, y).reduce(0.0) { $0 + pow($1.1 - a - b * ($1.0 - centre), 2) }
            fits.append(RaterFit(bias: a, slope: b, noise: sqrt(ss / Double(max(1, x.count - 2)))))
        }
        let all = rows.flatMap { $0 }
        let fractional = all.filter { $0 != $0.rounded() }
        let halves = fractional.filter { abs($0 - $0.rounded(.down) - 0.5) < 1e-9 }
        func spread(_ v: [Double]) -> Spread { Spread(mean: Statistics.mean(v), sd: Statistics.standardDeviation(v)) }
        let population = RaterPopulation(
            bias: spread(fits.map(\.bias)), centre: centre, slope: spread(fits.map(\.slope)),
            noise: spread(fits.map(\.noise)),
            decimalShare: Double(fractional.count) / Double(all.count),
            halfShare: Double(halves.count) / Double(all.count),
            source: URL(fileURLWithPath: file).lastPathComponent, raters: r, items: rows.count)
        return (population, fits)
    }

    /// Draws a rater: intercept, slope and noise from the population's normals (slope at least
    /// 0.05, noise at least 0.01), or a careless rater who answers at random.
    public func draw(careless: Bool, using rng: inout SeededGenerator) -> SimulatedRater {
        SimulatedRater(
            bias: bias.mean + bias.sd * rng.normal(), centre: centre,
            slope: max(0.05, slope.mean + slope.sd * rng.normal()),
            noise: max(0.01, noise.mean + noise.sd * rng.normal()), isCareless: careless, lapse: lapse,
            decimalShare: decimalShare, halfShare: halfShare)
    }

    /// A fixed panel of attentive raters that stands for the population in ``LatentScale``.
    public func panel(size: Int = 2000, seed: UInt64 = 0x5EED) -> [SimulatedRater] {
        var rng = SeededGenerator(seed: seed)
        return (0..<size).map { _ in draw(careless: false, using: &rng) }
    }
}

/// The values a rating can take.
public struct RatingScale: Sendable, Equatable {
    public var low: Double
    public var high: Double
    /// The accepted values, increasing; empty for a slider (any value in `low…high`).
    public var points: [Double]

    /// A scale of discrete points (a Likert scale: the paper's 0…4).
    public static func likert(_ points: [Double]) -> RatingScale {
        RatingScale(low: points.first ?? 0, high: points.last ?? 1, points: points)
    }

    /// A slider from `low` to `high` (WordSim's 0–10).
    public static func slider(_ low: Double, _ high: Double) -> RatingScale {
        RatingScale(low: low, high: high, points: [])
    }

    /// The scale of a study spec.
    public init(spec: StudySpec) {
        self = .likert(spec.effectiveScale.map { Double($0.value) })
    }

    public init(low: Double, high: Double, points: [Double]) {
        self.low = low
        self.high = high
        self.points = points
    }

    /// The nearest accepted value to `x`, clamped to the scale.
    public func snap(_ x: Double) -> Double {
        let v = min(high, max(low, x))
        guard !points.isEmpty else { return v }
        var best = points[0]
        for p in points where abs(p - v) < abs(best - v) { best = p }
        return best
    }
}

/// One simulated rater (see ``RaterPopulation``).
public struct SimulatedRater: Sendable, Equatable {
    public var bias: Double
    public var centre: Double
    public var slope: Double
    public var noise: Double
    /// Answers uniformly at random, attention checks included.
    public var isCareless: Bool
    /// Chance of missing an attention check while attentive.
    public var lapse: Double
    var decimalShare: Double
    var halfShare: Double

    /// The rating of an item whose consensus is `unit` on the unit scale (0 = lowest point, 1 = highest).
    public func rate(unit: Double, on scale: RatingScale, using rng: inout SeededGenerator) -> Double {
        let width = scale.high - scale.low
        if isCareless {
            if !scale.points.isEmpty { return scale.points[Int(rng.next() % UInt64(scale.points.count))] }
            return scale.low + width * rng.unit()
        }
        let x = scale.low + width * (bias + slope * (unit - centre) + noise * rng.normal())
        guard scale.points.isEmpty else { return scale.snap(x) }
        // A slider: whole points of a 0–10 scale, or halves and quarters as the calibration raters did.
        let step = width / 10
        let u = rng.unit()
        let grain = u < 1 - decimalShare ? 1.0 : u < 1 - decimalShare + halfShare ? 0.5 : 0.25
        return scale.snap(scale.low + ((x - scale.low) / (step * grain)).rounded() * step * grain)
    }

    /// The answer to an attention check whose expected answer is `expected`.
    public func answerCheck(expected: Double, on scale: RatingScale, using rng: inout SeededGenerator) -> Double {
        if isCareless { return rate(unit: 0, on: scale, using: &rng) }
        if rng.unit() < lapse, let other = scale.points.first(where: { $0 != expected }) { return other }
        return expected
    }

    /// The expected rating on a Likert scale for consensus `unit` (no lapses, not careless).
    func expectedRating(unit: Double, on scale: RatingScale) -> Double {
        let width = scale.high - scale.low
        let mu = scale.low + width * (bias + slope * (unit - centre)), s = max(1e-9, width * noise)
        guard scale.points.count > 1 else { return min(scale.high, max(scale.low, mu)) }
        var e = scale.points[0]
        for k in 1..<scale.points.count {
            let threshold = (scale.points[k - 1] + scale.points[k]) / 2
            e += (scale.points[k] - scale.points[k - 1]) * 0.5 * erfc((threshold - mu) / (s * 2.0.squareRoot()))
        }
        return e
    }
}

/// Maps a target mean rating to the latent consensus that gives it, for a rater population on a scale.
///
/// A simulated truth holds what the mean of many attentive raters would be (as the paper's CHL
/// holds the mean of 46). Rounding and clamping make a rater's expected rating a nonlinear
/// function of the consensus, so the simulator inverts the population's expected rating:
/// `unit(forMean:)` is the consensus whose expected rating over the population's panel is the
/// given mean. A design that collects enough ratings then converges to the truth.
public struct LatentScale: Sendable {
    public let scale: RatingScale
    let grid: [Double]
    let expected: [Double]

    /// - Parameters:
    ///   - population: the raters.
    ///   - scale: the study's scale.
    public init(population: RaterPopulation, scale: RatingScale) {
        self.scale = scale
        let panel = population.panel()
        grid = stride(from: -1.5, through: 2.5, by: 0.005).map { $0 }
        expected = grid.map { u in
            panel.reduce(0.0) { $0 + $1.expectedRating(unit: u, on: scale) } / Double(panel.count)
        }
    }

    /// The latent consensus (unit scale) whose population mean rating is `mean` (scale units);
    /// means beyond the reachable range map to the grid's ends.
    public func unit(forMean mean: Double) -> Double {
        if mean <= expected[0] { return grid[0] }
        if mean >= expected[expected.count - 1] { return grid[grid.count - 1] }
        var lo = 0, hi = expected.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if expected[mid] < mean { lo = mid } else { hi = mid }
        }
        let t = (mean - expected[lo]) / max(1e-12, expected[hi] - expected[lo])
        return grid[lo] + t * (grid[hi] - grid[lo])
    }
}

extension SeededGenerator {
    /// A uniform Double in 0..<1 from 53 random bits.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(unit(), 0x1p-60), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
