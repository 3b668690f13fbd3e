import Foundation

/// Chooses the items of each new assignment of a class-pair study where ratings most reduce the
/// uncertainty of the WLF targets (`allocation: adaptive` in a study spec).
///
/// The WLF trains class `a` towards the row `softmax(β · S[a, ·])` of a similarity matrix `S` on
/// the rating scale (Olmo et al., arXiv 2006.14841, eq. 3; β is the WLF scale, 1 and 2 in the
/// paper). A row is dominated by the few classes people would plausibly confuse with `a`, so a
/// rating of a clearly unrelated pair moves the targets by almost nothing. The allocator keeps, per
/// directed cell `(a, b)`, a posterior for `S[a, b]`: the prior (a ``ClassMatrix``, min–max scaled
/// over its off-diagonal cells onto the rating scale) counted as ``Parameters/priorWeight``
/// pseudo-ratings, plus the ratings so far. With `p = softmax(β · m[a, ·])` over the posterior means
/// `m` and `sd(n) = σ / √(w + n)` the posterior standard deviation of a cell after `n` ratings,
///
/// - a cell's **contribution** to its row is `z · β · p_ab (1 − p_ab) · sd(n)` (z = 1.96): to first
///   order, moving `S[a, b]` by its 95% half-width moves row `a`'s targets by that much in total
///   variation (the other entries of the row absorb the change);
/// - a row's **half-width** is the sum of its cells' contributions, the largest over the scales: a
///   first-order bound on how far the row's targets can move in total variation. A row stops
///   receiving raters once its half-width is under ``Parameters/tolerance``; a cell stops once
///   its contribution is under its share, `tolerance / cells of the row`;
/// - an item's **score** is the drop of its cells' contributions that one more rating brings,
///   `Σ_cells Σ_β z β p (1 − p) (sd(n) − sd(n + 1))`, over cells that have not stopped.
///
/// Each assignment takes the highest-scoring items, never one twice, each time counting the items
/// already handed out but not yet answered (`n` = ratings + pending): concurrent participants do
/// not all get the same items. An item also stops at ``Parameters/maxRatingsPerItem`` ratings.
/// Ties are broken by a per-item key drawn from the seed; attention checks are placed as
/// `Studies.TaskPlan` places them, from a generator seeded by the seed and the decision's number. So
/// the decisions are a function of the seed, the prior and the order of events
/// (``nextAssignment()``, ``record(assignment:itemKey:values:)``, ``release(assignment:)``), and a
/// log of those events replays them exactly (``digest`` fingerprints the state).
///
/// **Calibration** (``Parameters/calibratesPrior``): a WordNet measure is informative about human
/// ratings but not on their scale (the CHL is about `exp(α + β · path)`, not linear in `path`).
/// With calibration on, the prior's off-diagonal values are cut into at most 32 bins of equal
/// counts; each time the ratings have grown by a quarter (and by at least C), every bin's value is
/// refitted as the mean of its ratings (shrunk toward the mean of all ratings; a bin nobody rated
/// interpolated between the nearest rated ones), made monotone in the prior (pool adjacent
/// violators), and its weight in ratings set by empirical Bayes,
/// `σ²/τ²` (`σ²` the rating variance within cells, `τ²` the spread of the bin's rated cells'
/// means around its value beyond noise; within 0.5…20, ``Parameters/priorWeight`` until the bin has
/// 5 rated cells). A cell's posterior is then its bin's value as that many ratings plus its own.
/// Refits happen after the answer that makes them due, so a replay refits at the same events.
///
/// An item informs one or more cells (`item key → [(a, b)]`): a class-pair item its own pair, a
/// neighbour screen each of its candidates. Ratings are summed as integers in thousandths of a
/// scale point, so the statistics do not depend on the order answers arrive in.
///
/// - Complexity: an update touches the rows of the cells it changes, `O(C log N)` per row for C
///   classes and N items; ``nextAssignment()`` is `O(k · C log N)` for k items per assignment.
public struct AdaptiveAllocator: Sendable {
    /// An item of the study and the cells (directed class pairs) one answer to it rates.
    public struct Item: Sendable, Equatable {
        public var key: String
        public var cells: [ClassPair]
        public init(key: String, cells: [ClassPair]) {
            self.key = key
            self.cells = cells
        }
    }

    /// What the allocator optimises and when it stops.
    public struct Parameters: Sendable, Equatable, Codable {
        /// A row stops receiving raters once its targets' half-width (total variation) is under this.
        public var tolerance: Double
        /// The WLF scales β whose targets `softmax(β · S)` count (the paper's are 1 and 2).
        public var scales: [Double]
        /// How many ratings the prior counts as, for a cell's mean and for its spread.
        public var priorWeight: Double
        /// The assumed standard deviation of one rating, in scale points, before a cell has its own.
        public var ratingSD: Double
        /// The rating scale's lowest and highest points; the prior is scaled onto it and the diagonal is its top.
        public var ratingRange: ClosedRange<Double>
        /// No item gets more ratings (answered and pending) than this (the spec's `ratingsPerItem`).
        public var maxRatingsPerItem: Int
        /// Regular items per assignment (the spec's `itemsPerAssignment`).
        public var itemsPerAssignment: Int
        /// Attention checks per assignment (the spec's `attentionChecksPerAssignment`).
        public var attentionChecksPerAssignment: Int
        /// Whether the prior is calibrated on the ratings as they come (the spec's
        /// `adaptive.calibratePrior`): see ``AdaptiveAllocator`` (Calibration).
        public var calibratesPrior: Bool

        public init(
            tolerance: Double = 0.05, scales: [Double] = [1, 2], priorWeight: Double = 2, ratingSD: Double = 1,
            ratingRange: ClosedRange<Double> = 0...4, maxRatingsPerItem: Int, itemsPerAssignment: Int,
            attentionChecksPerAssignment: Int = 0, calibratesPrior: Bool = false
        ) {
            self.calibratesPrior = calibratesPrior
            self.tolerance = tolerance
            self.scales = scales
            self.priorWeight = priorWeight
            self.ratingSD = ratingSD
            self.ratingRange = ratingRange
            self.maxRatingsPerItem = maxRatingsPerItem
            self.itemsPerAssignment = itemsPerAssignment
            self.attentionChecksPerAssignment = attentionChecksPerAssignment
        }

        /// Checks that every parameter is in range.
        /// - Throws: `ExplicableError` (`invalidArgument`) naming the first one that is not.
        public func validate() throws(ExplicableError) {
            guard tolerance > 0, tolerance.isFinite else { throw Self.fail("tolerance must be a positive number") }
            guard !scales.isEmpty, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw Self.fail("scales must be positive numbers, at least one")
            }
            guard priorWeight > 0, priorWeight.isFinite else {
                throw Self.fail("priorWeight must be a positive number")
            }
            guard ratingSD > 0, ratingSD.isFinite else { throw Self.fail("ratingSD must be a positive number") }
            guard ratingRange.lowerBound.isFinite, ratingRange.upperBound.isFinite,
                ratingRange.upperBound > ratingRange.lowerBound
            else { throw Self.fail("the rating range must be finite and not empty") }
            guard maxRatingsPerItem >= 1, itemsPerAssignment >= 1 else {
                throw Self.fail("maxRatingsPerItem and itemsPerAssignment must be at least 1")
            }
        }

        static func fail(_ message: String) -> ExplicableError {
            ExplicableError(.invalidArgument, "adaptive allocation: \(message)")
        }
    }

    /// One chosen item and its score when it was chosen.
    public struct Choice: Sendable, Equatable, Codable {
        public var key: String
        public var score: Double
        public init(key: String, score: Double) {
            self.key = key
            self.score = score
        }
    }

    /// One allocation decision: a new assignment.
    public struct Assignment: Sendable, Equatable {
        /// The decision's number, from 0 in the order decisions are made.
        public var sequence: Int
        /// Item keys in the order shown, attention checks included.
        public var itemKeys: [String]
        /// The regular items in the order they were chosen, with their scores.
        public var chosen: [Choice]
        /// ``AdaptiveAllocator/digest`` of the state the decision was made from.
        public var digest: String
    }

    /// The z of a two-sided 95% interval.
    static let z = 1.959963984540054

    public let parameters: Parameters
    public let seed: UInt64
    let classCount: Int
    /// The prior on the rating scale, row-major; the diagonal at the scale's top.
    let prior: [Double]
    let keys: [String]
    let indexByKey: [String: Int]
    let checkKeys: [String]
    /// Item → cells (cell index `row · C + column`), as offsets into `itemCells`.
    let itemCellStart: [Int]
    let itemCells: [Int]
    /// Row → items with a cell in the row.
    let rowItemStart: [Int]
    let rowItems: [Int32]
    /// Row → the columns some item informs.
    let rowCellStart: [Int]
    let rowColumns: [Int32]
    let tiebreak: [UInt64]
    let baseHash: UInt64
    /// The prior's calibration on the ratings, when ``Parameters/calibratesPrior``.
    var calibration: PriorCalibration?

    // Statistics (ratings in thousandths of a scale point).
    var cellCount: [Int32]
    var cellPending: [Int32]
    var cellSum: [Int64]
    var cellSquares: [Int64]
    var itemAnswered: [Int32]
    var itemPending: [Int32]
    /// Unanswered items of each live assignment, by decision number.
    var live: [Int: Set<Int>] = [:]
    /// How many decisions have been made (the next one's number).
    public internal(set) var decisionsMade = 0
    var stateHash: UInt64 = 0

    // Derived, recomputed row by row when marked dirty.
    var cellGain: [Double]
    var rowWidth: [Double]
    var itemScore: [Double]
    var excluded: [Bool]
    var dirty: [Bool]
    var dirtyRows: [Int] = []
    var tree: ScoreTree

    /// - Parameters:
    ///   - prior: a similarity matrix over the study's classes (any range; min–max scaled onto
    ///     ``Parameters/ratingRange`` over its off-diagonal cells, a constant one to the middle).
    ///   - items: the items that may be allocated, each with the cells its answer rates.
    ///   - attentionChecks: keys of attention-check items, placed in every assignment as the
    ///     parameters say.
    ///   - parameters: the stopping tolerance, the prior's weight, the rating noise and range, and
    ///     the cap on ratings per item.
    ///   - seed: breaks ties between equal scores and places the attention checks.
    /// - Throws: `ExplicableError` (`invalidArgument`) for parameters out of range, a repeated
    ///   key, a cell outside the prior's classes or on the diagonal, or a prior that is not finite.
    public init(
        prior: ClassMatrix, items: [Item], attentionChecks: [String] = [], parameters: Parameters, seed: UInt64
    ) throws(ExplicableError) {
        func fail(_ message: String) -> ExplicableError {
            ExplicableError(.invalidArgument, "adaptive allocation: \(message)")
        }
        let p = parameters
        try p.validate()
        guard (0...attentionChecks.count).contains(p.attentionChecksPerAssignment) else {
            throw fail(
                "\(p.attentionChecksPerAssignment) attention checks per assignment, \(attentionChecks.count) defined")
        }
        let c = prior.count
        guard c >= 2 else { throw fail("the prior needs at least 2 classes") }
        try prior.requireFinite()
        var scaled = [Double](repeating: 0, count: c * c)
        var lo = Double.infinity, hi = -Double.infinity
        prior.withUnsafeValues { values in
            for i in 0..<c {
                for j in 0..<c where i != j {
                    lo = min(lo, values[i * c + j])
                    hi = max(hi, values[i * c + j])
                }
            }
            let (bottom, top) = (p.ratingRange.lowerBound, p.ratingRange.upperBound)
            for i in 0..<c {
                for j in 0..<c {
                    scaled[i * c + j] =
                        i == j
                        ? top
                        : hi > lo ? bottom + (values[i * c + j] - lo) / (hi - lo) * (top - bottom) : (bottom + top) / 2
                }
            }
        }
        var indexByKey: [String: Int] = [:]
        indexByKey.reserveCapacity(items.count)
        var itemCellStart = [0], itemCells: [Int] = []
        itemCellStart.reserveCapacity(items.count + 1)
        itemCells.reserveCapacity(items.count)
        var rowItemLists = [[Int32]](repeating: [], count: c)
        var informed = [Bool](repeating: false, count: c * c)
        for (index, item) in items.enumerated() {
            guard indexByKey.updateValue(index, forKey: item.key) == nil else {
                throw fail("item key '\(item.key)' repeats")
            }
            guard !item.cells.isEmpty else { throw fail("item '\(item.key)' informs no cell") }
            var rows = Set<Int>()
            for cell in item.cells {
                guard (0..<c).contains(cell.a), (0..<c).contains(cell.b), cell.a != cell.b else {
                    throw fail(
                        "item '\(item.key)': cell (\(cell.a), \(cell.b)) is not an off-diagonal cell of "
                            + "the \(c) classes")
                }
                itemCells.append(cell.a * c + cell.b)
                informed[cell.a * c + cell.b] = true
                if rows.insert(cell.a).inserted { rowItemLists[cell.a].append(Int32(index)) }
            }
            itemCellStart.append(itemCells.count)
        }
        for key in attentionChecks where indexByKey[key] != nil {
            throw fail("attention check '\(key)' is also an item")
        }
        guard Set(attentionChecks).count == attentionChecks.count else { throw fail("attention-check keys repeat") }
        var rowItemStart = [0], rowItems: [Int32] = [], rowCellStart = [0], rowColumns: [Int32] = []
        for row in 0..<c {
            rowItems += rowItemLists[row]
            rowItemStart.append(rowItems.count)
            for column in 0..<c where informed[row * c + column] { rowColumns.append(Int32(column)) }
            rowCellStart.append(rowColumns.count)
        }
        var random = SeededGenerator(seed: seed)
        self.parameters = p
        self.seed = seed
        classCount = c
        self.prior = scaled
        keys = items.map(\.key)
        self.indexByKey = indexByKey
        checkKeys = attentionChecks
        self.itemCellStart = itemCellStart
        self.itemCells = itemCells
        self.rowItemStart = rowItemStart
        self.rowItems = rowItems
        self.rowCellStart = rowCellStart
        self.rowColumns = rowColumns
        tiebreak = items.indices.map { _ in random.next() }
        var hash = Self.mix(seed)
        for v in scaled { hash = Self.mix(hash ^ v.bitPattern) }
        for v in [p.tolerance, p.priorWeight, p.ratingSD, p.ratingRange.lowerBound, p.ratingRange.upperBound] + p.scales
        {
            hash = Self.mix(hash ^ v.bitPattern)
        }
        for v in [p.maxRatingsPerItem, p.itemsPerAssignment, p.attentionChecksPerAssignment, items.count] {
            hash = Self.mix(hash ^ UInt64(v))
        }
        for cell in itemCells { hash = Self.mix(hash ^ UInt64(cell)) }
        if p.calibratesPrior { hash = Self.mix(hash ^ 0xCA11_B4A7) }  // absent, digests stay as before
        baseHash = hash
        calibration = p.calibratesPrior ? PriorCalibration(scaledPrior: scaled, classes: c, weight: p.priorWeight) : nil
        cellCount = [Int32](repeating: 0, count: c * c)
        cellPending = cellCount
        cellSum = [Int64](repeating: 0, count: c * c)
        cellSquares = cellSum
        itemAnswered = [Int32](repeating: 0, count: items.count)
        itemPending = itemAnswered
        cellGain = [Double](repeating: 0, count: c * c)
        rowWidth = [Double](repeating: 0, count: c)
        itemScore = [Double](repeating: -.infinity, count: items.count)
        excluded = [Bool](repeating: false, count: items.count)
        dirty = [Bool](repeating: true, count: c)
        dirtyRows = Array(0..<c)
        tree = ScoreTree(count: items.count)
    }

    /// The class count.
    public var classes: Int { classCount }

    /// The item keys, in the order given.
    public var itemKeys: [String] { keys }

    /// A fingerprint of the state: the prior and parameters, every cell's and item's counts and
    /// rating sums, and the number of decisions made (16 hex digits). Equal states give equal digests.
    public var digest: String {
        let value = Self.mix(baseHash ^ stateHash ^ Self.mix(UInt64(decisionsMade) &+ 0x5151))
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The posterior mean of a cell, on the rating scale.
    public func mean(row: Int, column: Int) -> Double {
        cellMean(row * classCount + column)
    }

    /// Ratings recorded for a cell.
    public func ratingCount(row: Int, column: Int) -> Int { Int(cellCount[row * classCount + column]) }

    /// Answers recorded and answers pending for an item, or nil for an unknown key.
    public func counts(of itemKey: String) -> (answered: Int, pending: Int)? {
        indexByKey[itemKey].map { (Int(itemAnswered[$0]), Int(itemPending[$0])) }
    }

    /// Each row's targets' half-width now (total variation, the largest over the scales; 0 for a
    /// row no item informs), counting pending answers as given.
    public mutating func rowHalfWidths() -> [Double] {
        refresh()
        return rowWidth
    }

    /// Whether a row still receives raters.
    public mutating func isOpen(row: Int) -> Bool {
        refresh()
        return rowWidth[row] >= parameters.tolerance
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
