// Selection time of AdaptiveAllocator at ImageNet-1k size: 1,000 classes, every directed pair an
// item (999,000 items), 90 items per assignment, answers arriving while 64 assignments are open.
// Prints one JSON line per run: the first decision (building every row), then the median, p90 and
// maximum milliseconds of `nextAssignment()` (which folds in the answers recorded since the last
// decision) and the mean microseconds of `record`.
// Usage: AllocatorBenchmark [classes] [assignments] [seed]
import ExplicableCore
import Foundation

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let classes = arguments.count > 0 ? arguments[0] : 1000
let rounds = arguments.count > 1 ? arguments[1] : 300
let seed = UInt64(arguments.count > 2 ? arguments[2] : 1)
let open = 64

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

// A prior with structure: classes in groups of 10 (siblings alike), plus seeded noise.
var random = SeededGenerator(seed: seed)
var values = [Double](repeating: 0, count: classes * classes)
for i in 0..<classes {
    for j in 0..<classes {
        values[i * classes + j] = i == j ? 1 : (i / 10 == j / 10 ? 0.6 : 0.1) + Double(random.uniform(0, 0.2))
    }
}
let set = try ClassSet(name: "bench", labels: (0..<classes).map { "c\($0)" })
let prior = ClassMatrix(classes: set, kind: .similarity, values: values, provenance: .init(source: "bench"))
// The truth the simulated raters answer from: the prior's structure on the 0–4 scale, with its own noise.
@MainActor func truth(_ a: Int, _ b: Int) -> Double {
    min(4, max(0, values[a * classes + b] * 4 + Double(random.uniform(-1, 1))))
}

var items: [AdaptiveAllocator.Item] = []
items.reserveCapacity(classes * (classes - 1))
var cells: [(Int, Int)] = []
for a in 0..<classes {
    for b in 0..<classes where a != b {
        items.append(.init(key: "pair:\(a):\(b)", cells: [.init(a, b)]))
        cells.append((a, b))
    }
}
let keyIndex = Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1.key, $0) })
var start = now()
var allocator = try AdaptiveAllocator(
    prior: prior, items: items,
    parameters: .init(tolerance: 0.05, maxRatingsPerItem: 46, itemsPerAssignment: 90), seed: seed)
let initSeconds = now() - start
start = now()
var pending: [AdaptiveAllocator.Assignment] = [allocator.nextAssignment()!]
let firstSeconds = now() - start
var selection: [Double] = []
var recordSeconds = 0.0, recorded = 0
for _ in 0..<rounds {
    if pending.count >= open {
        let done = pending.removeFirst()
        let t = now()
        for key in done.itemKeys {
            let (a, b) = cells[keyIndex[key]!]
            allocator.record(assignment: done.sequence, itemKey: key, value: truth(a, b).rounded())
        }
        recordSeconds += now() - t
        recorded += done.itemKeys.count
    }
    let t = now()
    guard let next = allocator.nextAssignment() else { break }
    selection.append(now() - t)
    pending.append(next)
}
selection.sort()
@MainActor func ms(_ q: Double) -> Double {
    (selection[min(selection.count - 1, Int(q * Double(selection.count)))] * 1e5).rounded() / 100
}
print(
    """
    {"benchmark": "allocator-selection", "classes": \(classes), "items": \(items.count), "items_per_assignment": 90, \
    "open_assignments": \(open), "decisions": \(selection.count + 1), "init_ms": \((initSeconds * 1e5).rounded() / 100), \
    "first_decision_ms": \((firstSeconds * 1e5).rounded() / 100), "selection_p50_ms": \(ms(0.5)), \
    "selection_p90_ms": \(ms(0.9)), "selection_max_ms": \(ms(1)), \
    "record_us": \((recordSeconds / Double(max(recorded, 1)) * 1e8).rounded() / 100), "answers": \(recorded)}
    """)
