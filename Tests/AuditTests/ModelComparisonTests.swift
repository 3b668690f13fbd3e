@testable import Audit
import ExplicableCore
import Foundation
import Testing
import TestSupport
import Training

/// Model comparison on cases computed by hand.
struct ModelComparisonTests {
    static let classes = try! ClassSet(name: "t", labels: ["a", "b", "c"])

    /// Similarities on a CHL-like 0–4 scale, rows = true class; distances are 4 − s:
    /// `[0, 1, 3.5, 1.5, 0, 3, 4, 3, 0]`.
    func matrix() throws -> EvaluationMatrix {
        let s = ClassMatrix(
            classes: Self.classes, kind: .similarity, values: [4, 3, 0.5, 2.5, 4, 1, 0, 1, 4],
            provenance: .init(source: "t"))
        return try EvaluationMatrix(s, classes: Self.classes)
    }

    static let labels: [Int32] = [0, 0, 1, 1, 2, 2, 0, 1]

    func run(_ name: String, _ predictions: [Int]) -> ComparedRun {
        ComparedRun(name: name, predictions: predictions, labels: Self.labels, classes: Self.classes)
    }

    /// a: mistakes on images 0, 2, 4, 6, 7 with d = 1, 3, 3, 3.5, 1.5 and s = 3, 1, 1, 0.5, 2.5.
    var a: ComparedRun { run("a", [1, 0, 2, 1, 1, 2, 2, 0]) }
    /// b: mistakes on 0, 2, 4, 6, 7 with d = 3.5, 1.5, 4, 1, 3 and s = 0.5, 2.5, 0, 3, 1.
    var b: ComparedRun { run("b", [2, 0, 0, 1, 0, 2, 1, 2]) }
    /// c: mistakes on 0, 1, 2, 4, 6, 7 with d = 1, 1, 1.5, 3, 1, 3 and s = 3, 3, 2.5, 1, 3, 1.
    var c: ComparedRun { run("c", [1, 1, 0, 1, 1, 2, 1, 2]) }

    @Test func pointEstimatesByHand() throws {
        let r = try ModelComparison.compare(runs: [a, b, c], matrix: matrix(), bootstrap: 50, seed: 1)
        let (ma, mb, mc) = (r.models[0], r.models[1], r.models[2])
        #expect(ma.top1.value == 3.0 / 8 && mb.top1.value == 3.0 / 8 && mc.top1.value == 2.0 / 8)
        #expect(ma.mistakes == 5 && mc.mistakes == 6)
        #expect(try #require(ma.mistakeSeverity.value).isApproximatelyEqual(to: 2.4))
        #expect(try #require(mb.mistakeSeverity.value).isApproximatelyEqual(to: 2.6))
        #expect(try #require(mc.mistakeSeverity.value).isApproximatelyEqual(to: 1.75))
        #expect(ma.explicableMistakeRate.value == 0.4 && mb.explicableMistakeRate.value == 0.4)
        #expect(try #require(mc.explicableMistakeRate.value).isApproximatelyEqual(to: 4.0 / 6))
        #expect(ma.top1Difference == nil)
        #expect(try #require(mc.top1Difference?.value).isApproximatelyEqual(to: -0.125))
        #expect(try #require(mb.severityDifference?.value).isApproximatelyEqual(to: 0.2))
    }

    /// A mistake exactly at the threshold is explicable. At 2.5, a's mistakes (s = 3, 1, 1, 0.5, 2.5)
    /// give 2 of 5 and c's (s = 3, 3, 2.5, 1, 3, 1) 4 of 6; just above 2.5, 1 of 5 and 3 of 6.
    @Test func thresholdIsInclusive() throws {
        let at = try ModelComparison.compare(runs: [a, c], matrix: matrix(), threshold: 2.5, bootstrap: 10, seed: 1)
        #expect(at.models[0].explicableMistakeRate.value == 0.4)
        #expect(try #require(at.models[1].explicableMistakeRate.value).isApproximatelyEqual(to: 4.0 / 6))
        #expect(try #require(at.models[1].explicableDifference?.value).isApproximatelyEqual(to: 4.0 / 6 - 0.4))
        let above = try ModelComparison.compare(
            runs: [a, c], matrix: matrix(), threshold: 2.5.nextUp, bootstrap: 10, seed: 1)
        #expect(above.models[0].explicableMistakeRate.value == 0.2)
        #expect(above.models[1].explicableMistakeRate.value == 0.5)
    }

    @Test func agreesWithMetrics() throws {
        let m = try matrix()
        let r = try ModelComparison.compare(runs: [a, b, c], matrix: m, bootstrap: 10)
        for (run, model) in zip([a, b, c], r.models) {
            var p = [Float](repeating: 0, count: Self.labels.count * 3)
            for (i, k) in run.predictions.enumerated() { p[i * 3 + k] = 1 }
            let metrics = Metrics.evaluate(
                probabilities: p, labels: Self.labels, classCount: 3, matrix: m, threshold: 2, decoding: .argmax
            ).metrics
            #expect(metrics.top1 == model.top1.value)
            #expect(metrics.mistakeSeverity == model.mistakeSeverity.value)
            #expect(metrics.explicableMistakeRate == model.explicableMistakeRate.value)
        }
    }

    /// All three are wrong on images 0, 2, 4, 6, 7; similarities (a, b, c): (3, 0.5, 3), (1, 2.5, 2.5),
    /// (1, 0, 1), (0.5, 3, 3), (2.5, 1, 1). Only image 7 has a strict winner (a).
    @Test func hardAndSoftCreditWithTies() throws {
        let r = ModelComparison.closestMistakes(runs: [a, b, c], matrix: try matrix())
        #expect(r.images == 5 && r.ties == 4)
        #expect(r.hard == [1, 0, 0])
        #expect(r.soft == [2, 1, 2])
        // Two models: a and b are both wrong on 0, 2, 4, 6, 7; a wins 0, 4, 7; b wins 2, 6.
        let two = ModelComparison.closestMistakes(runs: [a, b], matrix: try matrix())
        #expect(two.images == 5 && two.hard == [3, 2] && two.soft == [3, 2] && two.ties == 0)
    }

    @Test func bootstrapIsSeededAndItsIntervalsHoldThePoint() throws {
        let m = try matrix()
        let first = try ModelComparison.compare(runs: [a, b, c], matrix: m, bootstrap: 200, seed: 7)
        let again = try ModelComparison.compare(runs: [a, b, c], matrix: m, bootstrap: 200, seed: 7)
        let other = try ModelComparison.compare(runs: [a, b, c], matrix: m, bootstrap: 200, seed: 8)
        #expect(first == again)
        #expect(first.models != other.models)
        for model in first.models {
            for i in [model.top1, model.mistakeSeverity, model.explicableMistakeRate] {
                let (v, lo, hi) = (try #require(i.value), try #require(i.lower), try #require(i.upper))
                #expect(lo <= v && v <= hi && lo < hi, "\(model.name): \(i)")
            }
        }
    }

    @Test func identicalModelsGivePOne() throws {
        let r = try ModelComparison.compare(runs: [a, run("a2", a.predictions)], matrix: matrix(), bootstrap: 100)
        for d in [r.models[1].top1Difference, r.models[1].severityDifference, r.models[1].explicableDifference] {
            let d = try #require(d)
            #expect(d.value == 0 && d.lower == 0 && d.upper == 0 && d.p == 1 && d.replicates == 100)
        }
        #expect(r.closestMistakes.hard == [0, 0] && r.closestMistakes.soft == [2.5, 2.5])
    }

    @Test func clearlyBetterModelGetsSmallP() throws {
        // 200 images of class a; x is right on all but 20, y wrong on all but 20.
        let labels = [Int32](repeating: 0, count: 200)
        let x = ComparedRun(
            name: "x", predictions: (0..<200).map { $0 < 20 ? 1 : 0 }, labels: labels, classes: Self.classes)
        let y = ComparedRun(
            name: "y", predictions: (0..<200).map { $0 < 20 ? 0 : 2 }, labels: labels, classes: Self.classes)
        let r = try ModelComparison.compare(runs: [x, y], matrix: matrix(), bootstrap: 200, seed: 3)
        #expect(r.models[1].top1Difference?.p == 0)
        #expect(try #require(r.models[1].top1Difference?.upper) < 0)
    }

    @Test func aModelOfSeveralRunsIsTheirMean() throws {
        let r = try ModelComparison.compare(
            models: [ComparedModel(name: "ab", runs: [a, b]), ComparedModel(name: "c", runs: [c])], matrix: matrix(),
            bootstrap: 50, seed: 1)
        let (ab, mc) = (r.models[0], r.models[1])
        #expect(ab.top1.value == 3.0 / 8 && ab.mistakes == 10 && ab.runs.map(\.name) == ["a", "b"])
        #expect(try #require(ab.mistakeSeverity.value).isApproximatelyEqual(to: 2.5))
        #expect(
            ab.explicableMistakeRate.value == 0.4 && ab.runs[1].mistakeSeverity.map { abs($0 - 2.6) < 1e-12 } == true)
        #expect(mc.runs.isEmpty)
        #expect(try #require(mc.top1Difference?.value).isApproximatelyEqual(to: -0.125))
        #expect(r.modelTable().rows[0][0] == "ab (2 runs)" && r.runTable().rows.count == 2)
        // Closest mistakes pair the i-th runs, as far as the fewest runs go: here (a, c) alone;
        // against c twice, (a, c) and (b, c), summed.
        let ac = ModelComparison.closestMistakes(runs: [a, c], matrix: try matrix())
        let bc = ModelComparison.closestMistakes(runs: [b, c], matrix: try matrix())
        #expect(r.closestMistakes == ac)
        let twice = ModelComparison.closestMistakes(
            models: [ComparedModel(name: "ab", runs: [a, b]), ComparedModel(name: "cc", runs: [c, c])],
            matrix: try matrix())
        #expect(twice.images == ac.images + bc.images && twice.ties == ac.ties + bc.ties)
        #expect(twice.hard == [ac.hard[0] + bc.hard[0], ac.hard[1] + bc.hard[1]])
        // One run per model is the plain comparison, replicate for replicate.
        let plain = try ModelComparison.compare(runs: [a, c], matrix: matrix(), bootstrap: 50, seed: 1)
        let grouped = try ModelComparison.compare(
            models: [ComparedModel(name: "a", runs: [a]), ComparedModel(name: "c", runs: [c])], matrix: matrix(),
            bootstrap: 50, seed: 1)
        #expect(plain == grouped)
    }

    /// Two seeds of one recipe at 50% and 70% on 4,000 images: resampling the images alone would
    /// give an interval of about ±1.5 points around 60%; resampling the seeds too spans 50–70%.
    @Test func theIntervalOfSeveralRunsHoldsTheSpreadBetweenSeeds() throws {
        let n = 4000
        let labels = [Int32](repeating: 0, count: n)
        let low = ComparedRun(
            name: "s0", predictions: (0..<n).map { $0 % 2 == 0 ? 0 : 1 }, labels: labels,
            classes: Self.classes)
        let high = ComparedRun(
            name: "s1", predictions: (0..<n).map { $0 % 10 < 7 ? 0 : 1 }, labels: labels,
            classes: Self.classes)
        let r = try ModelComparison.compare(
            models: [ComparedModel(name: "m", runs: [low, high])], matrix: matrix(),
            bootstrap: 400, seed: 5)
        let top1 = r.models[0].top1
        #expect(try #require(top1.value).isApproximatelyEqual(to: 0.6))
        #expect(try #require(top1.lower) < 0.53 && #require(top1.upper) > 0.67, "\(top1)")
        let single = try ModelComparison.compare(runs: [low], matrix: matrix(), bootstrap: 400, seed: 5).models[0].top1
        #expect(try #require(single.upper) - #require(single.lower) < 0.05, "\(single)")
    }

    @Test func differentLabelsAreRefused() throws {
        var other = b
        other.labels[0] = 2
        #expect(throws: ExplicableError.self) { try ModelComparison.compare(runs: [a, other], matrix: matrix()) }
    }

    @Test func tablesAndJSON() throws {
        let r = try ModelComparison.compare(runs: [a, b, c], matrix: matrix(), bootstrap: 20)
        let t = r.modelTable()
        #expect(t.rows.count == 3 && t.rows.allSatisfy { $0.count == t.header.count })
        #expect(t.rows[0][1].hasPrefix("37.50% ["))
        #expect(r.closestMistakeTable().rows[0] == ["a", "1", "2.00"])
        #expect(r.oodTable().rows.isEmpty)
        let data = try JSONEncoder().encode(r)
        #expect(try JSONDecoder().decode(ModelComparison.self, from: data) == r)
    }

    @Test func imageLayoutsRoundTrip() {
        let rgb = (0..<(2 * 3072)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let planes = planar(rgb)
        #expect(planes[0] == rgb[0] && planes[1024] == rgb[1] && planes[2048 + 5] == rgb[5 * 3 + 2])
        #expect(interleaved(planes) == rgb)
    }

    /// A freshly initialised cnn-s (argmax and CRM) and a random linear model on 12 random images.
    @Test func oodOnATinyModel() throws {
        var generator = SeededGenerator(seed: 5)
        let images = (0..<(12 * 3072)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let labels = (0..<12).map { Int32($0 % 3) }
        let test = Dataset(source: "random", samples: .images(images), labels: labels, classes: Self.classes)
        let model = Architecture.cnnS.makeModel(classCount: 3, seed: 1)
        let normalization = Normalization(mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25])
        // The untrained cnn-s may give every image the same class; a linear layer with random
        // weights over all 3,072 inputs answers differently for different pixels, in any layout.
        let linear = Linear(inFeatures: 3072, outFeatures: 3)
        var weights = SeededGenerator(seed: 11)
        linear.weight.value.values = (0..<(3 * 3072)).map { _ in Float(Int(weights.next() % 2001) - 1000) / 20_000 }
        let models = [
            OODModel(name: "m", model: model, normalization: normalization),
            OODModel(name: "crm", model: model, normalization: normalization, decoding: .crm),
            OODModel(name: "linear", model: Sequential([linear]), normalization: normalization),
        ]
        let r = try OODComparison.evaluate(
            models: models, test: test, corruptions: [.jpeg, .gaussianNoise], severities: [1, 5], images: 6, seed: 2,
            matrix: matrix())
        #expect(r.images == 6 && r.corruptions.map(\.name) == ["jpeg", "gaussian-noise"])
        #expect(r.corruptions.allSatisfy { $0.severities.map(\.severity) == [1, 5] && $0.scores.count == 3 })
        for score in r.corruptions.flatMap(\.scores) + r.meanOverCorruptions {
            #expect((0...1).contains(score.top1))
            #expect(score.mistakeSeverity.map { (0...4).contains($0) } ?? true)
            #expect(score.explicableMistakeRate.map { (0...1).contains($0) } ?? true)
        }
        let again = try OODComparison.evaluate(
            models: models, test: test, corruptions: [.jpeg, .gaussianNoise], severities: [1, 5], images: 6, seed: 2,
            matrix: matrix())
        #expect(again == r)
        #expect(r.table().rows.count == 3)

        // Every score recomputed image by image from the documented recipe: the stratified subset of 6
        // (seed 2), each image corrupted on its own (interleaved RGB) with the generator of corruption k
        // at severity s (seed 2 + 16k + s, image index i), then the model's metrics.
        let subset = try test.stratifiedSubset(6, seed: 2)
        guard case .images(let planes) = subset.samples else {
            Issue.record("not images")
            return
        }
        let clean = interleaved(planes)
        func expectedScores(_ corruption: Corruption, _ severity: Int) throws -> [OODComparison.Score] {
            let k = UInt64(try #require(Corruption.allCases.firstIndex(of: corruption)))
            var corrupted: [UInt8] = []
            for i in 0..<subset.count {
                var generator = Corruption.imageGenerator(seed: 2 + 16 * k + UInt64(severity), index: i)
                corrupted += try corruption.apply(
                    to: Array(clean[(i * 3072)..<((i + 1) * 3072)]), severity: severity, generator: &generator)
            }
            let dataset = Dataset(
                source: "x", samples: .images(planar(corrupted)), labels: subset.labels,
                classes: subset.classes)
            return try models.map { m in
                let p = Evaluator.probabilities(model: m.model, dataset: dataset, normalization: normalization)
                let metrics = Metrics.evaluate(
                    probabilities: p, labels: subset.labels, classCount: 3, matrix: try matrix(), threshold: 2,
                    decoding: m.decoding
                ).metrics
                return OODComparison.Score(
                    top1: metrics.top1, mistakeSeverity: metrics.mistakeSeverity,
                    explicableMistakeRate: metrics.explicableMistakeRate)
            }
        }
        var perCorruption: [[Double]] = []
        for (entry, corruption) in zip(r.corruptions, [Corruption.jpeg, .gaussianNoise]) {
            let one = try expectedScores(corruption, 1), five = try expectedScores(corruption, 5)
            #expect(entry.severities[0].scores == one, "\(corruption) severity 1")
            #expect(entry.severities[1].scores == five, "\(corruption) severity 5")
            // The entry's score is the mean over severities, per model.
            for m in models.indices {
                #expect(entry.scores[m].top1.isApproximatelyEqual(to: (one[m].top1 + five[m].top1) / 2))
            }
            perCorruption.append(entry.scores.map(\.top1))
        }
        for m in models.indices {
            let mean = (perCorruption[0][m] + perCorruption[1][m]) / 2
            #expect(r.meanOverCorruptions[m].top1.isApproximatelyEqual(to: mean))
        }
    }

    @Test func oodSetsAreReadOrRefused() throws {
        let root = try temporaryFolder().appendingPathComponent("ood")
        #expect(try OODSet.readAll(in: root, classes: Self.classes).isEmpty)
        let good = root.appendingPathComponent("good"), bad = root.appendingPathComponent("bad")
        try FileManager.default.createDirectory(at: good, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try NPYArray(shape: [2, 32, 32, 3], storage: .uint8([UInt8](repeating: 9, count: 2 * 3072)))
            .write(to: good.appendingPathComponent("images.npy"))
        try NPYArray(shape: [2], storage: .int64([0, 2])).write(to: good.appendingPathComponent("labels.npy"))
        let set = try OODSet.read(good, classes: Self.classes)
        #expect(set.name == "good" && set.dataset.labels == [0, 2] && set.dataset.count == 2)
        try NPYArray(shape: [2, 3072], storage: .uint8([UInt8](repeating: 9, count: 2 * 3072)))
            .write(to: bad.appendingPathComponent("images.npy"))
        try NPYArray(shape: [2], storage: .int64([0, 2])).write(to: bad.appendingPathComponent("labels.npy"))
        #expect(throws: ExplicableError.self) { try OODSet.readAll(in: root, classes: Self.classes) }
        do {
            _ = try OODSet.read(bad, classes: Self.classes)
        } catch {
            #expect(error.description.contains("bad/images.npy: expected N×32×32×3 uint8"))
        }
    }
}
