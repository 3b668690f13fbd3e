import Foundation

extension AdaptiveAllocator {
    /// Records one answer of an assignment. `values` are on the rating scale, one per cell of the
    /// item in ``Item/cells``' order; `nil` (cannot tell, or a cell the answer left out) adds no
    /// rating but the item's place is used up.
    ///
    /// - Returns: `false`, changing nothing, when the item is not an unanswered item of the live
    ///   assignment `assignment` (an unknown key, an attention check, a repeated answer, or an
    ///   assignment released or never made).
    @discardableResult
    public mutating func record(assignment: Int, itemKey: String, values: [Double?]) -> Bool {
        guard let item = indexByKey[itemKey], live[assignment]?.contains(item) == true else { return false }
        let cells = itemCells[itemCellStart[item]..<itemCellStart[item + 1]]
        precondition(
            values.count == cells.count, "item '\(itemKey)' rates \(cells.count) cells, got \(values.count) values")
        live[assignment]!.remove(item)
        if live[assignment]!.isEmpty { live[assignment] = nil }
        updateItem(item, answered: 1, pending: -1)
        for (cell, value) in zip(cells, values) {
            let thousandths = value.flatMap { $0.isFinite ? Int64(($0 * 1000).rounded()) : nil }
            updateCell(
                cell, count: thousandths == nil ? 0 : 1, pending: -1, sum: thousandths ?? 0,
                squares: thousandths.map { $0 * $0 } ?? 0)
        }
        calibrateIfDue()
        return true
    }

    /// Records an answer that belongs to no decision: one imported with `study import` (an
    /// `imported` input of the store's allocation log). Its ratings count like any other and the item's answers
    /// grow by one (towards ``Parameters/maxRatingsPerItem``); nothing pending changes.
    /// - Returns: `false`, changing nothing, for a key that is not an item (an attention check, an
    ///   unknown key) or values that do not match the item's cells.
    @discardableResult
    public mutating func recordImported(itemKey: String, values: [Double?]) -> Bool {
        guard let item = indexByKey[itemKey] else { return false }
        let cells = itemCells[itemCellStart[item]..<itemCellStart[item + 1]]
        guard values.count == cells.count else { return false }
        updateItem(item, answered: 1, pending: 0)
        for (cell, value) in zip(cells, values) {
            let thousandths = value.flatMap { $0.isFinite ? Int64(($0 * 1000).rounded()) : nil }
            updateCell(
                cell, count: thousandths == nil ? 0 : 1, pending: 0, sum: thousandths ?? 0,
                squares: thousandths.map { $0 * $0 } ?? 0)
        }
        calibrateIfDue()
        return true
    }

    /// Records the answer to a single-cell item (a class-pair item); see ``record(assignment:itemKey:values:)``.
    @discardableResult
    public mutating func record(assignment: Int, itemKey: String, value: Double?) -> Bool {
        record(assignment: assignment, itemKey: itemKey, values: [value])
    }

    /// Gives the unanswered items of a live assignment back (its session timed out).
    /// - Returns: `false` when the assignment is not live.
    @discardableResult
    public mutating func release(assignment: Int) -> Bool {
        guard let items = live.removeValue(forKey: assignment) else { return false }
        for item in items.sorted() {
            updateItem(item, answered: 0, pending: -1)
            for cell in itemCells[itemCellStart[item]..<itemCellStart[item + 1]] {
                updateCell(cell, count: 0, pending: -1, sum: 0, squares: 0)
            }
        }
        return true
    }

    /// The live assignments (made, neither fully answered nor released), by decision number.
    public var liveAssignments: [Int] { live.keys.sorted() }

    /// Applies a decision made earlier (read back from a log) without recomputing it: its items
    /// become pending, and the next decision gets the following number.
    /// - Throws: `ExplicableError` (`badInput`) when `sequence` is not the next decision's number or
    ///   a key is neither an item nor an attention check.
    public mutating func apply(sequence: Int, itemKeys: [String]) throws(ExplicableError) {
        guard sequence == decisionsMade else {
            throw ExplicableError(.badInput, "allocation decision \(sequence) follows decision \(decisionsMade - 1)")
        }
        var items: [Int] = []
        for key in itemKeys {
            if let item = indexByKey[key] {
                guard !items.contains(item) else {
                    throw ExplicableError(.badInput, "allocation decision \(sequence): '\(key)' repeats")
                }
                items.append(item)
            } else if !checkKeys.contains(key) {
                throw ExplicableError(.badInput, "allocation decision \(sequence): unknown item '\(key)'")
            }
        }
        for item in items { take(item) }
        if !items.isEmpty { live[sequence] = Set(items) }
        decisionsMade += 1
    }
}
