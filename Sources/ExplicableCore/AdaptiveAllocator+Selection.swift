import Foundation

extension AdaptiveAllocator {
    /// Makes the next decision: the highest-scoring eligible items, up to
    /// ``Parameters/itemsPerAssignment``, each counted as pending once chosen (so the next choice
    /// sees it), in a shuffled order with the attention checks at random places.
    ///
    /// - Returns: the assignment, or `nil` when no item is eligible (every row's targets are
    ///   within the tolerance or every item has its ratings); a `nil` uses no decision number.
    public mutating func nextAssignment() -> Assignment? {
        refresh()
        let before = digest
        var chosen: [Choice] = []
        var picked: [Int] = []
        while chosen.count < parameters.itemsPerAssignment, let best = tree.best, itemScore[best] > 0,
            itemScore[best].isFinite
        {
            chosen.append(Choice(key: keys[best], score: itemScore[best]))
            picked.append(best)
            excluded[best] = true
            take(best)
            refresh()
        }
        for item in picked {
            excluded[item] = false
            rescore(item)
        }
        guard !picked.isEmpty else { return nil }
        let sequence = decisionsMade
        var random = SeededGenerator(seed: Self.mix(seed ^ Self.mix(UInt64(sequence))))
        var shown = chosen.map(\.key)
        shown.shuffle(using: &random)
        for check in checkKeys.shuffled(using: &random).prefix(parameters.attentionChecksPerAssignment) {
            shown.insert(check, at: Int.random(in: 0...shown.count, using: &random))
        }
        live[sequence] = Set(picked)
        decisionsMade += 1
        return Assignment(sequence: sequence, itemKeys: shown, chosen: chosen, digest: before)
    }

    /// Counts an item as handed out and unanswered.
    mutating func take(_ item: Int) {
        updateItem(item, answered: 0, pending: 1)
        for cell in itemCells[itemCellStart[item]..<itemCellStart[item + 1]] {
            updateCell(cell, count: 0, pending: 1, sum: 0, squares: 0)
        }
    }

    mutating func updateItem(_ item: Int, answered: Int32, pending: Int32) {
        stateHash &-= itemHash(item)
        itemAnswered[item] += answered
        itemPending[item] += pending
        stateHash &+= itemHash(item)
        // The item's eligibility may change without its rows changing (its own cap).
        rescore(item)
    }

    mutating func updateCell(_ cell: Int, count: Int32, pending: Int32, sum: Int64, squares: Int64) {
        stateHash &-= cellHash(cell)
        cellCount[cell] += count
        cellPending[cell] += pending
        cellSum[cell] += sum
        cellSquares[cell] += squares
        stateHash &+= cellHash(cell)
        if count != 0 { calibration?.add(cell: cell, count: Int64(count), sum: sum) }
        let row = cell / classCount
        if !dirty[row] {
            dirty[row] = true
            dirtyRows.append(row)
        }
    }

    /// A cell's or item's share of the digest; 0 while it has no counts, so the empty state sums to 0.
    func cellHash(_ cell: Int) -> UInt64 {
        if cellCount[cell] == 0 && cellPending[cell] == 0 && cellSum[cell] == 0 && cellSquares[cell] == 0 { return 0 }
        var h = Self.mix(UInt64(cell) &+ 0x00C3_11)
        h = Self.mix(
            h ^ UInt64(UInt32(bitPattern: cellCount[cell])) ^ (UInt64(UInt32(bitPattern: cellPending[cell])) << 32))
        h = Self.mix(h ^ UInt64(bitPattern: cellSum[cell]))
        return Self.mix(h ^ UInt64(bitPattern: cellSquares[cell]))
    }

    func itemHash(_ item: Int) -> UInt64 {
        if itemAnswered[item] == 0 && itemPending[item] == 0 { return 0 }
        let h = Self.mix(UInt64(item) &+ 0x1737)
        return Self.mix(
            h ^ UInt64(UInt32(bitPattern: itemAnswered[item]))
                ^ (UInt64(UInt32(bitPattern: itemPending[item])) << 32))
    }

    /// A cell's prior mean and the ratings it counts as: the scaled prior and `priorWeight`, or
    /// its bin's calibrated value and weight.
    @inline(__always) func cellPrior(_ cell: Int) -> (mean: Double, weight: Double) {
        if let calibration, calibration.bin[cell] >= 0 {
            let bin = Int(calibration.bin[cell])
            return (calibration.value[bin], calibration.weight[bin])
        }
        return (prior[cell], parameters.priorWeight)
    }

    /// The posterior mean of a cell: the prior as its weight in ratings plus the ratings.
    func cellMean(_ cell: Int) -> Double {
        let (m, w) = cellPrior(cell)
        return (w * m + Double(cellSum[cell]) / 1000) / (w + Double(cellCount[cell]))
    }

    /// Refits the prior's calibration when the ratings have grown enough since the last fit
    /// (called after each recorded answer, so it happens at the same events in a replay); every
    /// row is then recomputed.
    mutating func calibrateIfDue() {
        guard calibration?.isDue(classes: classCount) == true else { return }
        calibration!.fit(count: cellCount, sum: cellSum, squares: cellSquares, priorWeight: parameters.priorWeight)
        for row in 0..<classCount where !dirty[row] {
            dirty[row] = true
            dirtyRows.append(row)
        }
    }

    /// The standard deviation of one rating of a cell: `ratingSD²` as `priorWeight` ratings pooled
    /// with the cell's own spread.
    func ratingSpread(_ cell: Int) -> Double {
        let n = Double(cellCount[cell]), w = parameters.priorWeight
        guard n > 1 else { return parameters.ratingSD }
        let sum = Double(cellSum[cell]) / 1000, squares = Double(cellSquares[cell]) / 1_000_000
        let deviations = max(0, squares - sum * sum / n)
        return ((w * parameters.ratingSD * parameters.ratingSD + deviations) / (w + n - 1)).squareRoot()
    }

    /// Recomputes the rows marked dirty, then the scores of their items.
    mutating func refresh() {
        guard !dirtyRows.isEmpty else { return }
        let rows = dirtyRows.sorted()
        dirtyRows.removeAll(keepingCapacity: true)
        for row in rows {
            dirty[row] = false
            recompute(row: row)
        }
        for row in rows {
            for item in rowItems[rowItemStart[row]..<rowItemStart[row + 1]] { rescore(Int(item)) }
        }
    }

    /// A row's softmax under each scale, its half-width, and its cells' gains.
    mutating func recompute(row: Int) {
        let c = classCount, base = row * c
        let columns = rowColumns[rowCellStart[row]..<rowCellStart[row + 1]]
        guard !columns.isEmpty else {
            rowWidth[row] = 0
            return
        }
        let top = parameters.ratingRange.upperBound
        var means = [Double](repeating: 0, count: c)
        for j in 0..<c { means[j] = cellMean(base + j) }
        var sd = [Double](repeating: 0, count: columns.count), sdNext = sd
        for (k, column) in columns.enumerated() {
            let cell = base + Int(column)
            let spread = ratingSpread(cell), n = Double(cellCount[cell] + cellPending[cell])
            let w = cellPrior(cell).weight
            sd[k] = spread / (w + n).squareRoot()
            sdNext[k] = spread / (w + n + 1).squareRoot()
        }
        var width = 0.0
        var contribution = [Double](repeating: 0, count: columns.count)
        var gain = [Double](repeating: 0, count: columns.count)
        var powers = [Double](repeating: 0, count: c)
        for beta in parameters.scales {
            var total = 0.0
            for j in 0..<c {
                powers[j] = exp(beta * (means[j] - top))
                total += powers[j]
            }
            var rowSum = 0.0
            for (k, column) in columns.enumerated() {
                let p = powers[Int(column)] / total
                let slope = Self.z * beta * p * (1 - p)
                contribution[k] = max(contribution[k], slope * sd[k])
                gain[k] += slope * (sd[k] - sdNext[k])
                rowSum += slope * sd[k]
            }
            width = max(width, rowSum)
        }
        rowWidth[row] = width
        let open = width >= parameters.tolerance
        let share = parameters.tolerance / Double(columns.count)
        for (k, column) in columns.enumerated() {
            cellGain[base + Int(column)] = open && contribution[k] >= share ? gain[k] : 0
        }
    }

    /// An item's score from its cells' gains; `-∞` when it is capped, excluded or gains nothing.
    mutating func rescore(_ item: Int) {
        var score = -Double.infinity
        if !excluded[item], Int(itemAnswered[item] + itemPending[item]) < parameters.maxRatingsPerItem {
            var sum = 0.0
            for cell in itemCells[itemCellStart[item]..<itemCellStart[item + 1]] { sum += cellGain[cell] }
            if sum > 0 { score = sum }
        }
        guard score != itemScore[item] || tree.isUnset(item) else { return }
        itemScore[item] = score
        tree.update(item, scores: itemScore, tiebreak: tiebreak)
    }
}

/// A tournament tree over item scores: the best item (highest score, then highest tie-break key)
/// in `O(1)`, an update in `O(log N)`.
struct ScoreTree: Sendable {
    private var nodes: [Int32]
    private let size: Int
    private var set: [Bool]

    init(count: Int) {
        var size = 1
        while size < max(count, 1) { size *= 2 }
        self.size = size
        nodes = [Int32](repeating: -1, count: 2 * size)
        set = [Bool](repeating: false, count: count)
    }

    var best: Int? { nodes[1] < 0 ? nil : Int(nodes[1]) }

    func isUnset(_ item: Int) -> Bool { !set[item] }

    mutating func update(_ item: Int, scores: [Double], tiebreak: [UInt64]) {
        set[item] = true
        var node = size + item
        nodes[node] = Int32(item)
        while node > 1 {
            node /= 2
            let left = nodes[2 * node], right = nodes[2 * node + 1]
            let winner: Int32
            if left < 0 {
                winner = right
            } else if right < 0 {
                winner = left
            } else {
                let (a, b) = (Int(left), Int(right))
                winner = scores[a] > scores[b] || (scores[a] == scores[b] && tiebreak[a] > tiebreak[b]) ? left : right
            }
            if nodes[node] == winner && node != 1 && winner != Int32(item) { break }
            nodes[node] = winner
        }
    }
}
