import Dispatch
import ExplicableCore
import Foundation
import Training

// Training and inference images/s of an architecture at a batch size, on random data, plus the
// time and GFLOP/s of each conv layer's forward and backward pass. One JSON line per number.
// `images_per_cpu_s` divides by the processor time the process used, which stays meaningful when
// other processes share the cores; `load` is the 1-minute load average at the start.
// Arguments: architecture (default cnn-s), batch (128), timed steps (10), band budget (floats).

let arguments = CommandLine.arguments
let architecture = Architecture(rawValue: arguments.count > 1 ? arguments[1] : "cnn-s")!
let batch = arguments.count > 2 ? Int(arguments[2])! : 128
let steps = arguments.count > 3 ? Int(arguments[3])! : 10
let classCount = 10

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
/// Processor time of this process (user + system), all threads: what the work costs when other
/// processes share the cores.
func cpuTime() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
        usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}
let load =
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init)
    ?? "null"
func emit(_ fields: [(String, String)]) {
    print("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
}

let model = architecture.makeModel(classCount: classCount, seed: 1)
func forEachConv(_ layer: any Layer, _ body: (Conv2d) -> Void) {
    switch layer {
    case let conv as Conv2d: body(conv)
    case let sequential as Sequential: sequential.layers.forEach { forEachConv($0, body) }
    case let residual as Residual:
        forEachConv(residual.body, body)
        forEachConv(residual.shortcut, body)
    default: break
    }
}
// Optional fourth argument: the im2col band budget in floats for every convolution (an experiment knob).
if arguments.count > 4, let budget = Int(arguments[4]) { forEachConv(model) { $0.columnBudget = budget } }
// CONV=im2col: every convolution on im2col + sgemm, without the direct 3×3 kernels (for comparison).
// The label says what ran: a CPU without AVX2 + FMA runs im2col whatever CONV says.
let convPath =
    ProcessInfo.processInfo.environment["CONV"] == "im2col" || !Conv2d.directKernelsAvailable ? "im2col" : "direct"
if convPath == "im2col" { forEachConv(model) { $0.usesDirectKernels = false } }
let common: [(String, String)] = [
    ("impl", "\"explicable\""), ("arch", "\"\(architecture.rawValue)\""), ("batch", "\(batch)"),
    ("workers", "\(Parallel.workerCount)"), ("load", load), ("conv", "\"\(convPath)\""),
]
var generator = SeededGenerator(seed: 2)
let images = Tensor(shape: [batch, 3, 32, 32])
for i in 0..<images.count { images[i] = generator.uniform(-2, 2) }
let labels = (0..<batch).map { $0 % classCount }
let loss = Loss.crossEntropy(classCount: classCount)
let optimizer = SGD(parameters: model.parameters, learningRate: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4)
let gradient = Tensor(shape: [0]), probabilities = Tensor(shape: [0])

@MainActor func trainStep() -> Double {
    let logits = model.forward(images, training: true)
    let value = loss(logits: logits, labels: labels, gradient: gradient, probabilities: probabilities)
    _ = model.backward(gradient)
    optimizer.step()
    return value
}

for _ in 0..<3 { _ = trainStep() }
var start = now(), startCPU = cpuTime()
var lastLoss = 0.0
for _ in 0..<steps { lastLoss = trainStep() }
let trainSeconds = now() - start, trainCPU = cpuTime() - startCPU
emit(
    common + [
        ("mode", "\"train\""), ("images_per_s", String(format: "%.1f", Double(batch * steps) / trainSeconds)),
        ("images_per_cpu_s", String(format: "%.1f", Double(batch * steps) / trainCPU)),
        ("loss", String(format: "%.4f", lastLoss)),
    ])

// Heap allocations per step, when a malloc-counting library is preloaded (see alloc-count.sh).
typealias MallocCount = @convention(c) () -> Int
if let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_count") {
    let mallocCount = unsafeBitCast(symbol, to: MallocCount.self)
    var before = mallocCount()
    for _ in 0..<steps { _ = trainStep() }
    let trainAllocations = Double(mallocCount() - before) / Double(steps)
    for _ in 0..<2 { _ = model.forward(images, training: false) }
    before = mallocCount()
    for _ in 0..<steps { _ = model.forward(images, training: false) }
    let inferAllocations = Double(mallocCount() - before) / Double(steps)
    emit(
        common + [
            ("mode", "\"allocations\""), ("per_train_step", String(format: "%.1f", trainAllocations)),
            ("per_inference_batch", String(format: "%.1f", inferAllocations)),
        ])
}

for _ in 0..<2 { _ = model.forward(images, training: false) }
start = now()
startCPU = cpuTime()
for _ in 0..<steps { _ = model.forward(images, training: false) }
let inferSeconds = now() - start, inferCPU = cpuTime() - startCPU
emit(
    common + [
        ("mode", "\"inference\""), ("images_per_s", String(format: "%.1f", Double(batch * steps) / inferSeconds)),
        ("images_per_cpu_s", String(format: "%.1f", Double(batch * steps) / inferCPU)),
    ])

// Per-layer profile of a training step: forward and backward processor time of every layer
// (all threads of the process), the smallest over the steps, so contention from other processes
// inflates it as little as possible.
func processTime() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
var forwardTimes = [Double](repeating: .infinity, count: model.layers.count)
var backwardTimes = forwardTimes
var activations = [Tensor]()
for _ in 0..<steps {
    var x = images
    activations.removeAll(keepingCapacity: true)
    for (i, layer) in model.layers.enumerated() {
        activations.append(x)
        let t = processTime()
        x = layer.forward(x, training: true)
        forwardTimes[i] = min(forwardTimes[i], processTime() - t)
    }
    _ = loss(logits: x, labels: labels, gradient: gradient, probabilities: probabilities)
    var g = gradient
    for (i, layer) in model.layers.enumerated().reversed() {
        let t = processTime()
        g = layer.backward(g)
        backwardTimes[i] = min(backwardTimes[i], processTime() - t)
    }
}
var convFlops = 0.0, convSeconds = 0.0
for (i, layer) in model.layers.enumerated() {
    var fields =
        common + [
            ("mode", "\"layer\""), ("index", "\(i)"), ("layer", "\"\(type(of: layer))\""),
            ("forward_cpu_ms", String(format: "%.2f", forwardTimes[i] * 1e3)),
            ("backward_cpu_ms", String(format: "%.2f", backwardTimes[i] * 1e3)),
        ]
    if let conv = layer as? Conv2d {
        let input = activations[i]
        let ho = conv.outputSize(input.shape[2]), wo = conv.outputSize(input.shape[3])
        let flops =
            2.0 * Double(batch * conv.outChannels * ho * wo * conv.inChannels * conv.kernelSize * conv.kernelSize)
        fields += [
            ("forward_gflops_per_core", String(format: "%.1f", flops / forwardTimes[i] / 1e9)),
            ("backward_gflops_per_core", String(format: "%.1f", 2 * flops / backwardTimes[i] / 1e9)),
        ]
        convFlops += 3 * flops
        convSeconds += forwardTimes[i] + backwardTimes[i]
    }
    emit(fields)
}
emit(
    common + [
        ("mode", "\"conv-total\""), ("gflops_per_core", String(format: "%.1f", convFlops / convSeconds / 1e9)),
        ("blas_core", "\"\(BLAS.coreName)\""),
    ])

// Every convolution of the model, also those inside residual blocks (which the per-layer profile
// above times only as whole blocks): each run alone, forward and backward, on random input of the
// size it sees in the model, the smallest processor time over the steps. FLOPs count the forward
// pass, the weight gradient and, where the layer computes one, the input gradient (each
// 2·N·Cout·Ho·Wo·Cin·k²). `conv-all` is the rate of all of them together.
func collect(_ layer: any Layer, size: inout Int, into shapes: inout [(conv: Conv2d, size: Int)]) {
    switch layer {
    case let conv as Conv2d:
        shapes.append((conv, size))
        size = conv.outputSize(size)
    case is MaxPool2x2: size /= 2
    case let sequential as Sequential: sequential.layers.forEach { collect($0, size: &size, into: &shapes) }
    case let residual as Residual:
        var shortcut = size
        collect(residual.shortcut, size: &shortcut, into: &shapes)
        collect(residual.body, size: &size, into: &shapes)
    default: break
    }
}
var shapes: [(conv: Conv2d, size: Int)] = []
var size = 32
collect(model, size: &size, into: &shapes)
var allFlops = 0.0, allSeconds = 0.0
for (conv, size) in shapes {
    let x = Tensor(shape: [batch, conv.inChannels, size, size])
    for i in 0..<x.count { x[i] = generator.uniform(-1, 1) }
    let out = conv.outputSize(size)
    let g = Tensor(shape: [batch, conv.outChannels, out, out])
    for i in 0..<g.count { g[i] = generator.uniform(-1, 1) }
    var best = Double.infinity
    for _ in 0..<max(steps, 3) {
        let t = processTime()
        _ = conv.forward(x, training: true)
        _ = conv.backward(g)
        best = min(best, processTime() - t)
    }
    let pass = 2.0 * Double(batch * conv.outChannels * out * out * conv.inChannels * conv.kernelSize * conv.kernelSize)
    allFlops += pass * (conv.computesInputGradient ? 3 : 2)
    allSeconds += best
}
emit(
    common + [
        ("mode", "\"conv-all\""), ("convolutions", "\(shapes.count)"),
        ("cpu_ms_per_step", String(format: "%.1f", allSeconds * 1e3)),
        ("gflops_per_core", String(format: "%.1f", allFlops / allSeconds / 1e9)),
    ])
