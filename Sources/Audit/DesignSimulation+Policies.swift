import ExplicableCore
import Foundation
import Semantics

// MARK: Policies

struct FullPolicy: DesignPolicy {
    var order: [Int]
    let passes: Int
    let chunk: Int
    var pass = 0, position = 0
    var shuffled = false

    init(cells: [Int], passes: Int, chunk: Int) {
        order = cells
        self.passes = passes
        self.chunk = chunk
    }

    mutating func nextAssignment(_ state: SimulationState, _ rng: inout SeededGenerator) -> [Int] {
        var out: [Int] = []
        while out.count < chunk {
            if !shuffled || position == order.count {
                if shuffled { pass += 1 }
                if pass == passes { break }
                order.shuffle(using: &rng)
                position = 0
                shuffled = true
            }
            // A pair appears once per assignment: a pass boundary inside an assignment starts a new one.
            if out.contains(order[position]) { break }
            out.append(order[position])
            position += 1
        }
        return out
    }

    mutating func observe(_ cells: [Int], _ state: SimulationState) {}
}

struct UniformPolicy: DesignPolicy {
    let n: Int
    let chunk: Int

    mutating func nextAssignment(_ state: SimulationState, _ rng: inout SeededGenerator) -> [Int] {
        var out: [Int] = []
        let want = min(chunk, n * (n - 1))
        while out.count < want {
            let i = Int(rng.next() % UInt64(n)), j = Int(rng.next() % UInt64(n))
            if i != j, !out.contains(i * n + j) { out.append(i * n + j) }
        }
        return out
    }

    mutating func observe(_ cells: [Int], _ state: SimulationState) {}
}

/// A fixed list rated round robin, reshuffled each pass.
struct CyclePolicy: DesignPolicy {
    var cells: [Int]
    let chunk: Int
    var position: Int

    init(cells: [Int], chunk: Int) {
        self.cells = cells
        self.chunk = chunk
        position = cells.count
    }

    mutating func nextAssignment(_ state: SimulationState, _ rng: inout SeededGenerator) -> [Int] {
        guard !cells.isEmpty else { return [] }
        var out: [Int] = []
        while out.count < min(chunk, cells.count) {
            if position == cells.count {
                cells.shuffle(using: &rng)
                position = 0
            }
            if out.contains(cells[position]) { break }
            out.append(cells[position])
            position += 1
        }
        return out
    }

    mutating func observe(_ cells: [Int], _ state: SimulationState) {}
}

/// Class-neighbour screens: whole screens until an assignment holds at least `chunk` judgments.
struct ScreenPolicy: DesignPolicy {
    let nearest: [[Int]]
    let n: Int
    let decoys: Int
    let farHalf: [[Int]]
    let chunk: Int
    var order: [Int] = []
    var position = 0

    init(nearest: [[Int]], n: Int, decoys: Int, farHalf: [[Int]], chunk: Int) {
        self.nearest = nearest
        self.n = n
        self.decoys = decoys
        self.farHalf = farHalf
        self.chunk = chunk
    }

    mutating func nextAssignment(_ state: SimulationState, _ rng: inout SeededGenerator) -> [Int] {
        var out: [Int] = []
        while out.count < chunk {
            if position == order.count {
                order = Array(0..<n).shuffled(using: &rng)
                position = 0
            }
            let i = order[position]
            position += 1
            var screen = nearest[i].map { i * n + $0 }
            var added = 0, tries = 0
            while added < decoys, tries < 50 {
                tries += 1
                let far = farHalf[i]
                let cell = i * n + far[Int(rng.next() % UInt64(far.count))]
                if !screen.contains(cell) {
                    screen.append(cell)
                    added += 1
                }
            }
            if screen.contains(where: out.contains) { break }
            out += screen
        }
        return out
    }

    mutating func observe(_ cells: [Int], _ state: SimulationState) {}
}

/// The sparse list once, then lazy greedy choice by expected TV reduction (see ``DesignSimulation``).
struct AdaptivePolicy: DesignPolicy {
    var seed: CyclePolicy
    var seedLeft: Int
    let n: Int
    let scales: [Double]
    let chunk: Int
    var heap = ScoreHeap()
    /// Each cell's estimate when its score was last computed, and each row's softmax normaliser per scale.
    var cached: [Double]
    var normaliser: [[Double]]
    var version = -1

    init(seedCells: [Int], n: Int, scales: [Double], chunk: Int) {
        seed = CyclePolicy(cells: seedCells, chunk: chunk)
        seedLeft = seedCells.count
        self.n = n
        self.scales = scales
        self.chunk = chunk
        cached = [Double](repeating: 0, count: n * n)
        normaliser = scales.map { _ in [Double](repeating: 0, count: n) }
    }

    func score(_ cell: Int, _ state: SimulationState) -> Double {
        let row = cell / n, value = cached[cell]
        var weight = 0.0
        for (k, s) in scales.enumerated() {
            let p = exp(s * value) / normaliser[k][row]
            weight += s * p * (1 - p)
        }
        let c = Double(state.counts[cell]) + state.binShrinkage[Int(state.bins[cell])]
        return weight * (1 / c.squareRoot() - 1 / (c + 1).squareRoot())
    }

    mutating func rebuild(_ state: SimulationState) {
        state.recalibrate()
        version = state.version
        for k in scales.indices { for i in 0..<n { normaliser[k][i] = exp(scales[k] * state.top) } }
        for i in 0..<n {
            for j in 0..<n where i != j {
                let v = state.estimate(i * n + j)
                cached[i * n + j] = v
                for (k, s) in scales.enumerated() { normaliser[k][i] += exp(s * v) }
            }
        }
        heap.removeAll()
        for i in 0..<n { for j in 0..<n where i != j { heap.push(score(i * n + j, state), i * n + j) } }
    }

    mutating func nextAssignment(_ state: SimulationState, _ rng: inout SeededGenerator) -> [Int] {
        if seedLeft > 0 {
            let cells = seed.nextAssignment(state, &rng)
            seedLeft -= cells.count
            return cells
        }
        if version != state.version { rebuild(state) }
        var out: [Int] = []
        while out.count < min(chunk, n * (n - 1)), let (stored, cell) = heap.pop() {
            if out.contains(cell) { continue }
            let now = score(cell, state)
            if now + 1e-15 >= heap.topScore || now >= stored - 1e-15 {
                out.append(cell)
            } else {
                heap.push(now, cell)
            }
        }
        return out
    }

    mutating func observe(_ cells: [Int], _ state: SimulationState) {
        guard version == state.version else { return }
        for cell in cells {
            let row = cell / n, v = state.estimate(cell)
            for (k, s) in scales.enumerated() { normaliser[k][row] += exp(s * v) - exp(s * cached[cell]) }
            cached[cell] = v
            heap.push(score(cell, state), cell)
        }
    }
}

/// The server's `AdaptiveAllocator` as a design: one item per directed pair.
struct AllocatorPolicy: DesignPolicy {
    var allocator: AdaptiveAllocator?
    let n: Int
    var sequence = 0

    init(prior: ClassMatrix, settings: DesignSimulation.Settings, scale: RatingScale, seed: UInt64) {
        n = prior.count
        var items: [AdaptiveAllocator.Item] = []
        items.reserveCapacity(n * (n - 1))
        for i in 0..<n {
            for j in 0..<n where i != j { items.append(.init(key: "pair:\(i):\(j)", cells: [.init(i, j)])) }
        }
        let parameters = AdaptiveAllocator.Parameters(
            tolerance: 0.01, scales: settings.scales, ratingRange: scale.low...scale.high,
            maxRatingsPerItem: settings.ratersPerPair * 4, itemsPerAssignment: settings.itemsPerAssignment)
        allocator = try? AdaptiveAllocator(prior: prior, items: items, parameters: parameters, seed: seed)
    }

    mutating func nextAssignment(_ state: SimulationState, _ rng: inout SeededGenerator) -> [Int] {
        guard let assignment = allocator?.nextAssignment() else { return [] }
        sequence = assignment.sequence
        return assignment.itemKeys.compactMap { key in
            let f = key.split(separator: ":")
            guard f.count == 3, let a = Int(f[1]), let b = Int(f[2]) else { return nil }
            return a * n + b
        }
    }

    mutating func answered(_ cells: [Int], ratings: [Double], accepted: Bool) {
        for (cell, rating) in zip(cells, ratings) {
            allocator?.record(
                assignment: sequence, itemKey: "pair:\(cell / n):\(cell % n)", value: accepted ? rating : nil)
        }
    }

    mutating func observe(_ cells: [Int], _ state: SimulationState) {}
}
