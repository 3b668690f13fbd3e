/// A Float32 tensor: one flat, row-major block of memory and a shape (NCHW for images).
///
/// A `Tensor` is a buffer in the training arena: layers keep their activations, gradients and
/// scratch space in tensors they allocate once and overwrite at every step, so the hot loop
/// allocates nothing per batch. That is why it is a class: a layer and its neighbour share the
/// same buffer, and writing it in place must never trigger a copy. ``resize(to:)`` reuses the
/// memory when it is large enough.
///
/// The memory is owned by the tensor and freed with it; ``withUnsafeBufferPointer(_:)`` and
/// ``withUnsafeMutableBufferPointer(_:)`` lend it out for the duration of a closure.
public final class Tensor {
    /// The extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The number of elements, the product of ``shape``.
    public private(set) var count: Int
    private var capacity: Int
    /// The elements; valid for `count` entries while the tensor lives.
    private(set) var storage: UnsafeMutablePointer<Float>

    /// Creates a tensor of the given shape with every element set to `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        count = shape.reduce(1, *)
        capacity = max(count, 1)
        storage = .allocate(capacity: capacity)
        storage.initialize(repeating: value, count: capacity)
    }

    /// Creates a tensor of the given shape holding `values` in row-major order.
    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "shape \(shape) needs \(count) values, got \(values.count)")
        values.withUnsafeBufferPointer { storage.update(from: $0.baseAddress!, count: count) }
    }

    deinit { storage.deallocate() }

    /// The elements as an array, row-major; setting it requires the same count.
    public var values: [Float] {
        get { Array(UnsafeBufferPointer(start: storage, count: count)) }
        set {
            precondition(newValue.count == count, "shape \(shape) needs \(count) values, got \(newValue.count)")
            newValue.withUnsafeBufferPointer { storage.update(from: $0.baseAddress!, count: count) }
        }
    }

    /// The element at a flat, row-major index.
    public subscript(index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
            return storage[index]
        }
        set {
            precondition(index >= 0 && index < count, "index \(index) out of range 0..<\(count)")
            storage[index] = newValue
        }
    }

    /// Gives the tensor a new shape, reusing its memory when it is large enough.
    ///
    /// The contents are unspecified afterwards unless the count is unchanged, in which case the
    /// elements stay as they were (a reshape).
    public func resize(to newShape: [Int]) {
        guard newShape != shape else { return }
        precondition(newShape.allSatisfy { $0 >= 0 }, "negative dimension in \(newShape)")
        let newCount = newShape.reduce(1, *)
        if newCount > capacity {
            storage.deallocate()
            capacity = newCount
            storage = .allocate(capacity: capacity)
            storage.initialize(repeating: 0, count: capacity)
        }
        shape = newShape
        count = newCount
    }

    /// Resizes to `[d0]`, building no shape array when the shape is already that.
    public func resize(_ d0: Int) {
        if shape.count == 1 && shape[0] == d0 { return }
        resize(to: [d0])
    }

    /// Resizes to `[d0, d1]`, building no shape array when the shape is already that (the hot loop
    /// allocates nothing).
    public func resize(_ d0: Int, _ d1: Int) {
        if shape.count == 2 && shape[0] == d0 && shape[1] == d1 { return }
        resize(to: [d0, d1])
    }

    /// Resizes to `[d0, d1, d2, d3]` (NCHW), building no shape array when the shape is already that.
    public func resize(_ d0: Int, _ d1: Int, _ d2: Int, _ d3: Int) {
        if shape.count == 4 && shape[0] == d0 && shape[1] == d1 && shape[2] == d2 && shape[3] == d3 { return }
        resize(to: [d0, d1, d2, d3])
    }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { storage.update(repeating: value, count: count) }

    /// Copies the shape and elements of `other`.
    public func copy(from other: Tensor) {
        resize(to: other.shape)
        storage.update(from: other.storage, count: count)
    }

    /// Calls `body` with the elements; the pointer must not escape.
    public func withUnsafeBufferPointer<R, E: Error>(_ body: (UnsafeBufferPointer<Float>) throws(E) -> R) throws(E) -> R
    {
        try body(UnsafeBufferPointer(start: storage, count: count))
    }

    /// Calls `body` with the elements to write; the pointer must not escape.
    public func withUnsafeMutableBufferPointer<R, E: Error>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws(E) -> R
    ) throws(E) -> R {
        try body(UnsafeMutableBufferPointer(start: storage, count: count))
    }

    /// The size of dimension `axis`.
    public func size(_ axis: Int) -> Int { shape[axis] }
}
