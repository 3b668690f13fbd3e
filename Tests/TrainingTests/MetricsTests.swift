import ExplicableCore
import Testing
@testable import Training

/// Metrics on examples computed by hand.
struct MetricsTests {
    /// Similarities on a CHL-like 0–4 scale, rows = true class; distances are 4 − s.
    func matrix() throws -> EvaluationMatrix {
        let classes = try ClassSet(name: "t", labels: ["a", "b", "c"])
        let s = ClassMatrix(
            classes: classes, kind: .similarity, values: [4, 3, 0.5, 2.5, 4, 1, 0, 1, 4], provenance: .init(source: "t")
        )
        return try EvaluationMatrix(s, classes: classes)
    }

    @Test func formsReflectAboutTheLargestEntry() throws {
        let m = try matrix()
        #expect(m.distance == [0, 1, 3.5, 1.5, 0, 3, 4, 3, 0])
        let d = try EvaluationMatrix(
            ClassMatrix(classes: m.classes, kind: .distance, values: m.distance, provenance: .init(source: "d")),
            classes: m.classes)
        #expect(d.similarity == m.similarity)
    }

    /// Four samples of true classes a, b, c, a.
    let probabilities: [Float] = [
        0.2, 0.5, 0.3,  // a → predicted b (error, s = 3, d = 1)
        0.1, 0.2, 0.7,  // b → predicted c (error, s = 1, d = 3)
        0.1, 0.1, 0.8,  // c → c
        0.6, 0.3, 0.1,  // a → a
    ]
    let labels: [Int32] = [0, 1, 2, 0]

    @Test func argmaxMetrics() throws {
        let (predictions, m) = Metrics.evaluate(
            probabilities: probabilities, labels: labels, classCount: 3, matrix: try matrix(), threshold: 2,
            decoding: .argmax)
        #expect(predictions == [1, 2, 2, 0])
        #expect(m.top1 == 0.5 && m.mistakes == 2)
        #expect(m.mistakeSeverity == 2)  // (1 + 3) / 2
        #expect(m.explicableMistakeRate == 0.5)  // s = 3 ≥ 2 counts, s = 1 does not
        #expect(m.hierarchicalDistanceAt1 == 1)  // (1 + 3 + 0 + 0) / 4
        // k = 5 > C: every class is in the top 5, so top-5 is 1 and hd@5 is the mean row distance of the true class.
        #expect(m.top5 == 1)
        let rowMean = [4.5 / 3, 4.5 / 3, 7.0 / 3, 4.5 / 3]
        #expect(abs(m.hierarchicalDistanceAt5! - rowMean.reduce(0, +) / 4) < 1e-12)
        #expect(m.perClassAccuracy == [0.5, 0, 1])  // class a: one of two right
        #expect(m.confusion == [1, 1, 0, 0, 0, 1, 0, 0, 1])
    }

    @Test func thresholdIsInclusive() throws {
        let m = Metrics.evaluate(
            probabilities: probabilities, labels: labels, classCount: 3, matrix: try matrix(), threshold: 3,
            decoding: .argmax
        ).metrics
        #expect(m.explicableMistakeRate == 0.5)
        let stricter = Metrics.evaluate(
            probabilities: probabilities, labels: labels, classCount: 3, matrix: try matrix(), threshold: 3.01,
            decoding: .argmax
        ).metrics
        #expect(stricter.explicableMistakeRate == 0)
    }

    @Test func conditionalRiskMinimisation() throws {
        // Sample 1 (p = 0.1, 0.2, 0.7): risks Σ_i p_i d(i, j) with d's columns
        // j = a: 0.1·0 + 0.2·1.5 + 0.7·4 = 3.1; j = b: 0.1·1 + 0.2·0 + 0.7·3 = 2.2; j = c: 0.1·3.5 + 0.2·3 + 0 = 0.95 → c.
        // Sample 0 (0.2, 0.5, 0.3): a: 0 + 0.75 + 1.2 = 1.95; b: 0.2 + 0 + 0.9 = 1.1; c: 0.7 + 1.5 + 0 = 2.2 → b.
        // A case where CRM differs from argmax: p = (0.45, 0.1, 0.45) ties a and c under argmax (a wins),
        // risks a: 0.15 + 1.8 = 1.95, b: 0.45 + 1.35 = 1.8, c: 1.575 + 0.3 = 1.875 → b.
        let p: [Float] = probabilities + [0.45, 0.1, 0.45]
        let (argmax, _) = Metrics.evaluate(
            probabilities: p, labels: labels + [1], classCount: 3, matrix: try matrix(), threshold: 2, decoding: .argmax
        )
        let (crm, m) = Metrics.evaluate(
            probabilities: p, labels: labels + [1], classCount: 3, matrix: try matrix(), threshold: 2, decoding: .crm)
        #expect(argmax == [1, 2, 2, 0, 0])
        #expect(crm == [1, 2, 2, 0, 1])
        #expect(m.top1 == 0.6 && m.mistakes == 2)
    }

    @Test func withoutAMatrixOnlyAccuracy() {
        let m = Metrics.evaluate(
            probabilities: probabilities, labels: labels, classCount: 3, matrix: nil, threshold: 2, decoding: .argmax
        ).metrics
        #expect(m.top1 == 0.5 && m.mistakeSeverity == nil && m.explicableMistakeRate == nil)
        #expect(m.hierarchicalDistanceAt1 == nil)
    }

    @Test func top5CountsTheFiveBestRanked() {
        // Seven classes; the true class is ranked sixth in sample 0 and fifth in sample 1.
        let p: [Float] = [0.3, 0.2, 0.15, 0.12, 0.1, 0.08, 0.05, 0.3, 0.2, 0.15, 0.12, 0.1, 0.08, 0.05]
        let m = Metrics.evaluate(
            probabilities: p, labels: [5, 4], classCount: 7, matrix: nil, threshold: 2, decoding: .argmax
        ).metrics
        #expect(m.top5 == 0.5 && m.top1 == 0)
    }
}
