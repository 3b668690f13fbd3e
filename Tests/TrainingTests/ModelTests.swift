import ExplicableCore
import Testing
@testable import Training

/// The cnn-s and ResNet-20 models: structure, initialisation, determinism and learning.
struct ModelTests {
    @Test func cnnSHasPyTorchsShapeAndParameterCount() {
        let model = Architecture.cnnS.makeModel(classCount: 10, seed: 1)
        // PyTorch's nn.Sequential of the same layers has 666,858 parameters.
        #expect(model.parameters.reduce(0) { $0 + $1.value.count } == 666_858)
        let y = model.forward(Tensor(shape: [2, 3, 32, 32]), training: false)
        #expect(y.shape == [2, 10])
        // Five batch norms, each with a running mean and variance.
        #expect(model.statistics.map(\.count) == [32, 32, 32, 32, 64, 64, 64, 64, 128, 128])
    }

    @Test func resnet20HasPyTorchsShapeAndParameterCount() {
        let model = Architecture.resnet20.makeModel(classCount: 10, seed: 1)
        // The PyTorch recipe's ResNet-20 (option-A shortcuts) has 269,722 parameters.
        #expect(model.parameters.reduce(0) { $0 + $1.value.count } == 269_722)
        #expect(model.forward(Tensor(shape: [2, 3, 32, 32]), training: false).shape == [2, 10])
    }

    /// At evaluation time batch norms (and ReLUs) after direct 3×3 convolutions are folded into them;
    /// the outputs match the layer-by-layer evaluation, and a training pass afterwards still has
    /// its gradients.
    @Test(arguments: [Architecture.cnnS, .resnet20])
    func evaluationFoldsBatchNormsIntoConvolutions(_ architecture: Architecture) {
        let folded = architecture.makeModel(classCount: 10, seed: 5)
        let plain = architecture.makeModel(classCount: 10, seed: 5)
        var g = GradientCheck(seed: 6)
        // Running statistics, scales and shifts away from their initial values, but close enough to
        // the activations' that the ReLUs don't silence the network (checked below).
        for model in [folded, plain] {
            var h = GradientCheck(seed: 7)
            for (index, statistic) in model.statistics.enumerated() {
                // Each batch norm lists its running mean, then its running variance.
                let (lower, upper): (Float, Float) = index % 2 == 0 ? (-0.1, 0.1) : (0.02, 0.3)
                for i in 0..<statistic.count { statistic[i] = h.generator.uniform(lower, upper) }
            }
            for p in model.parameters where p.value.shape.count == 1 {
                for i in 0..<p.value.count { p.value[i] += h.generator.uniform(-0.3, 0.3) }
            }
        }
        func convs(_ layer: any Layer) -> [Conv2d] {
            switch layer {
            case let conv as Conv2d: [conv]
            case let sequential as Sequential: sequential.layers.flatMap(convs)
            case let residual as Residual: convs(residual.body) + convs(residual.shortcut)
            default: []
            }
        }
        for conv in convs(plain) { conv.usesDirectKernels = false }
        for conv in convs(folded) { conv.usesDirectKernels = true }  // also in a debug build
        #expect(convs(folded).contains { $0.foldsBatchNorm } == Conv2d.directKernelsAvailable)
        let x = g.tensor([4, 3, 32, 32], -2, 2)
        let y = folded.forward(x, training: false).values, expected = plain.forward(x, training: false).values
        let worst = zip(y, expected).map { abs($0 - $1) }.max()!
        let largest = expected.map(abs).max()!
        // The images' logits differ: the comparison is not between two constant outputs.
        let spread = (0..<10).map { (c: Int) -> Float in
            let column = (0..<4).map { expected[$0 * 10 + c] }
            return column.max()! - column.min()!
        }
        #expect(spread.max()! > 0.05 * largest, "logits barely depend on the image: \(spread)")
        #expect(worst <= 1e-4 * max(1, largest), "worst difference \(worst) for outputs up to \(largest)")
        // A training step after the folded evaluation runs the layers one by one again.
        let logits = folded.forward(x, training: true)
        let gradient = g.tensor(logits.shape)
        _ = folded.backward(gradient)
        #expect(convs(folded).allSatisfy { $0.weight.gradient.values.contains { $0 != 0 } })
    }

    @Test func initializationFollowsPyTorchsBounds() {
        let model = Architecture.cnnS.makeModel(classCount: 10, seed: 3)
        for case let conv as Conv2d in model.layers {
            let bound = 1 / Float(conv.inChannels * 9).squareRoot()
            let w = conv.weight.value.values
            #expect(w.allSatisfy { abs($0) <= bound })
            // Uniform(−b, b) has standard deviation b/√3.
            let std = (w.reduce(0) { $0 + Double($1 * $1) } / Double(w.count)).squareRoot()
            #expect(abs(std - Double(bound) / 3.0.squareRoot()) < 0.1 * Double(bound))
        }
        for case let norm as BatchNorm in model.layers {
            #expect(norm.scale.value.values.allSatisfy { $0 == 1 } && norm.shift.value.values.allSatisfy { $0 == 0 })
        }
        let other = Architecture.cnnS.makeModel(classCount: 10, seed: 4)
        #expect(model.parameters[0].value.values != other.parameters[0].value.values)
    }

    /// A few SGD steps on a fixed batch; returns the losses and the final weights.
    func train(_ architecture: Architecture, seed: UInt64, steps: Int) -> (losses: [Double], weights: [[Float]]) {
        let model = architecture.makeModel(classCount: 4, seed: seed)
        var generator = SeededGenerator(seed: 99)
        let images = Tensor(shape: [8, 3, 32, 32])
        for i in 0..<images.count { images[i] = generator.uniform(-1, 1) }
        let labels = [0, 1, 2, 3, 0, 1, 2, 3]
        let loss = Loss.crossEntropy(classCount: 4)
        let optimizer = SGD(
            parameters: model.parameters, learningRate: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4)
        let gradient = Tensor(shape: [0]), probabilities = Tensor(shape: [0])
        var losses: [Double] = []
        for _ in 0..<steps {
            let logits = model.forward(images, training: true)
            losses.append(loss(logits: logits, labels: labels, gradient: gradient, probabilities: probabilities))
            _ = model.backward(gradient)
            optimizer.step()
        }
        return (losses, model.parameters.map(\.value.values))
    }

    @Test(arguments: Architecture.allCases.filter(\.takesImages))
    func trainingFitsABatchAndIsDeterministic(_ architecture: Architecture) {
        let a = train(architecture, seed: 5, steps: 6), b = train(architecture, seed: 5, steps: 6)
        #expect(a.weights == b.weights && a.losses == b.losses)
        #expect(
            zip(a.losses, a.losses.dropFirst()).allSatisfy { $1 < $0 } && a.losses.last! < 0.25 * a.losses.first!,
            "losses \(a.losses)")
    }

    @Test func skippingTheFirstInputGradientKeepsParameterGradients() {
        var g = GradientCheck()
        let x = g.tensor([2, 3, 6, 6]), r = g.tensor([2, 4, 6, 6])
        let full = Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1)
        let skip = Conv2d(inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1)
        skip.computesInputGradient = false
        g.randomize(full)
        skip.weight.value.copy(from: full.weight.value)
        skip.bias!.value.copy(from: full.bias!.value)
        _ = full.forward(x, training: true)
        _ = skip.forward(x, training: true)
        #expect(full.backward(r).count == x.count)
        #expect(skip.backward(r).count == 0)
        #expect(full.weight.gradient.values == skip.weight.gradient.values)
        #expect(full.bias!.gradient.values == skip.bias!.gradient.values)
    }
}
