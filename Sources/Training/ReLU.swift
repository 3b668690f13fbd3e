/// The rectified linear unit, `max(x, 0)` elementwise.
public final class ReLU: Layer {
    private let output = Tensor(shape: [0])
    private let gradInput = Tensor(shape: [0])

    /// Creates the layer; it has no parameters.
    public init() {}

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        output.resize(to: input.shape)
        let x = input.storage, y = output.storage
        Parallel.forEachChunk(count: input.count, minimumChunk: 1 << 14) { _, range in
            for i in range { y[i] = max(x[i], 0) }
        }
        return output
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        precondition(
            gradOutput.shape == output.shape, "ReLU: gradient shape \(gradOutput.shape) ≠ output \(output.shape)")
        gradInput.resize(to: output.shape)
        let y = output.storage, gy = gradOutput.storage, gx = gradInput.storage
        Parallel.forEachChunk(count: output.count, minimumChunk: 1 << 14) { _, range in
            for i in range {
                let g = gy[i]  // load first, so the choice compiles to a select, not a branch
                gx[i] = y[i] > 0 ? g : 0
            }
        }
        return gradInput
    }
}
