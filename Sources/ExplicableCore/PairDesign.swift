/// A directed class pair `a → b`: "how reasonable is it to mistake class `a` for class `b`?".
///
/// Indices are positions in a ``ClassSet``; the pair's cell in a class matrix is row `a`, column
/// `b`. Pairs order by `a`, then `b` (row-major, the order of a matrix's cells).
public struct ClassPair: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The class shown (the row).
    public var a: Int
    /// The class it might be mistaken for (the column).
    public var b: Int

    /// Creates the pair `a → b`.
    public init(_ a: Int, _ b: Int) {
        self.a = a
        self.b = b
    }

    public static func < (lhs: ClassPair, rhs: ClassPair) -> Bool { (lhs.a, lhs.b) < (rhs.a, rhs.b) }

    /// `a→b`, with class indices.
    public var description: String { "\(a)→\(b)" }
}

/// Which directed class pairs a sparse class-pair study asks about.
///
/// A full design rates all `C(C−1)` directed pairs; the WLF's targets (eq. 3 of Olmo et al.) use
/// each class's row of `softmax(scale · S)`, which a handful of plausible confusions dominate.
/// ``neighbours(prior:k:extra:seed:)`` keeps each class's `k` nearest classes under a prior
/// matrix (for example the WordNet EKL) and adds a seeded sample of other pairs, so that
/// where the prior is wrong, human ratings can still show it.
public enum PairDesign {
    /// The other classes of row `row`, nearest first under `prior`.
    ///
    /// Nearest means the largest value for a `.similarity` matrix, the smallest for a
    /// `.distance` one. NaN cells come last; ties keep the lower class index first, so the order
    /// is fully determined by the matrix.
    /// - Parameters:
    ///   - prior: the matrix that says which classes are alike; only row `row` is read.
    ///   - row: a class index, `0..<prior.count`.
    /// - Returns: the `prior.count − 1` other class indices.
    public static func ranking(_ prior: ClassMatrix, row: Int) -> [Int] {
        precondition(prior.classes.labels.indices.contains(row), "class \(row) is not in a \(prior.count)-class matrix")
        let n = prior.count
        let sign: Double = prior.kind == .similarity ? -1 : 1  // sort keys ascending: nearest first
        var keyed: [(key: Double, index: Int)] = []
        keyed.reserveCapacity(n - 1)
        prior.withUnsafeValues { values in
            for j in 0..<n where j != row {
                let v = values[row * n + j]
                keyed.append((v.isNaN ? .infinity : sign * v, j))
            }
        }
        keyed.sort { $0.key != $1.key ? $0.key < $1.key : $0.index < $1.index }
        return keyed.map(\.index)
    }

    /// Each class's `k` nearest classes under `prior`, plus `extra` other pairs drawn at random.
    ///
    /// For every class `a`, the pairs `a → b` for the `k` classes `b` that ``ranking(_:row:)``
    /// puts first (all others when `k ≥ C − 1`). Then `extra` more directed pairs, sampled
    /// uniformly without replacement from the off-diagonal pairs not yet chosen (all of them when
    /// fewer remain), with a ``SeededGenerator`` seeded by `seed`: the same prior, `k`, `extra`
    /// and seed always give the same design. The diagonal is never asked about.
    ///
    /// ```swift
    /// let design = PairDesign.neighbours(prior: ekl, k: 5, extra: 200, seed: 7)   // 1,000 + 200 pairs of CIFAR-100
    /// ```
    /// - Parameters:
    ///   - prior: a similarity or distance matrix over the study's classes (row `a` ranks `a`'s candidates).
    ///   - k: neighbours per class, `≥ 0`.
    ///   - extra: pairs sampled beyond the neighbours, `≥ 0`.
    ///   - seed: seed of the sample.
    /// - Returns: distinct pairs, sorted by `a` then `b`.
    /// - Complexity: O(C² log C) time, O(C²) memory for `C` classes.
    public static func neighbours(prior: ClassMatrix, k: Int, extra: Int, seed: UInt64) -> [ClassPair] {
        precondition(k >= 0 && extra >= 0, "k and extra must not be negative")
        let n = prior.count
        guard n > 1 else { return [] }
        let perRow = min(k, n - 1)
        var chosen = [Bool](repeating: false, count: n * n)
        var pairs: [ClassPair] = []
        pairs.reserveCapacity(n * perRow + extra)
        if perRow > 0 {
            for a in 0..<n {
                for b in ranking(prior, row: a).prefix(perRow) {
                    chosen[a * n + b] = true
                    pairs.append(ClassPair(a, b))
                }
            }
        }
        if extra > 0 {
            var rest: [Int32] = []
            rest.reserveCapacity(n * (n - 1) - pairs.count)
            for a in 0..<n {
                for b in 0..<n where a != b && !chosen[a * n + b] { rest.append(Int32(a * n + b)) }
            }
            var random = SeededGenerator(seed: seed)
            let take = min(extra, rest.count)
            for i in 0..<take {  // a partial Fisher–Yates shuffle: the first `take` are a uniform sample
                rest.swapAt(i, Int.random(in: i..<rest.count, using: &random))
                let code = Int(rest[i])
                pairs.append(ClassPair(code / n, code % n))
            }
        }
        pairs.sort()
        return pairs
    }
}
