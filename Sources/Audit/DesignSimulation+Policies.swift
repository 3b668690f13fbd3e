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

/// The study server's allocator as a design: `AdaptiveAllocator` over one item per directed
/// pair (a `pairs: all` class-pair study with `allocation: adaptive`), fed every answer as
/// `study serve` feeds it: as it arrives, before quality control, rejected assignments included.
struct AdaptivePolicy: DesignPolicy {
    var allocator: AdaptiveAllocator
    let n: Int
    var sequence = 0

    init(prior: ClassMatrix, parameters: AdaptiveAllocator.Parameters, seed: UInt64) throws(ExplicableError) {
        n = prior.count
        allocator = try AdaptiveAllocator(
            prior: prior, items: Self.items(classes: n), parameters: parameters, seed: seed)
    }

    /// One item per directed pair, keyed `a:b`.
    static func items(classes n: Int) -> [AdaptiveAllocator.Item] {
        var items: [AdaptiveAllocator.Item] = []
        items.reserveCapacity(n * (n - 1))
        for a in 0..<n {
            for b in 0..<n where a != b { items.append(.init(key: "\(a):\(b)", cells: [ClassPair(a, b)])) }
        }
        return items
    }

    mutating func nextAssignment(_ state: SimulationState, _ rng: inout SeededGenerator) -> [Int] {
        guard let assignment = allocator.nextAssignment() else { return [] }
        sequence = assignment.sequence
        return assignment.itemKeys.map { key in
            let colon = key.firstIndex(of: ":")!
            return Int(key[..<colon])! * n + Int(key[key.index(after: colon)...])!
        }
    }

    mutating func answered(_ cells: [Int], ratings: [Double], accepted: Bool) {
        for (cell, rating) in zip(cells, ratings) {
            allocator.record(assignment: sequence, itemKey: "\(cell / n):\(cell % n)", value: rating)
        }
    }

    mutating func observe(_ cells: [Int], _ state: SimulationState) {}
}
