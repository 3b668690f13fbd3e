internal import COpenBLAS

/// Single-precision matrix products and thread control, on OpenBLAS's CBLAS.
///
/// Every matrix is row-major. The pointers are only read (or, for `c`, written) during the
/// call; the caller owns the memory.
public enum BLAS {
    /// `c = alpha · op(a) · op(b) + beta · c`, where `op(a)` is `m×k` and `op(b)` is `k×n`.
    ///
    /// - Parameters:
    ///   - transposeA: whether `a` is stored as `k×m` (its transpose is used).
    ///   - transposeB: whether `b` is stored as `n×k`.
    ///   - m: rows of `op(a)` and of `c`.
    ///   - n: columns of `op(b)` and of `c`.
    ///   - k: columns of `op(a)`, rows of `op(b)`.
    ///   - alpha: the product's factor.
    ///   - a: the first matrix, read only.
    ///   - lda: the row stride of `a` as stored, in elements (at least its stored column count).
    ///   - b: the second matrix, read only.
    ///   - ldb: the row stride of `b` as stored, in elements.
    ///   - beta: the factor of `c`'s old values (0 ignores them, even NaNs).
    ///   - c: the `m×n` result, overwritten.
    ///   - ldc: the row stride of `c`, in elements (at least `n`).
    ///
    /// The corresponding C function is `cblas_sgemm`.
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative sgemm dimension")
        precondition(
            lda >= max(1, transposeA ? m : k) && ldb >= max(1, transposeB ? k : n) && ldc >= max(1, n),
            "sgemm leading dimension too small")
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// The number of threads OpenBLAS uses for one call.
    ///
    /// Setting it changes process-wide state. The corresponding C functions are
    /// `openblas_get_num_threads` and `openblas_set_num_threads`.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    /// The CPU kernel OpenBLAS chose at load time, e.g. `Zen` or `Haswell`.
    ///
    /// The corresponding C function is `openblas_get_corename`; the string is OpenBLAS's, not freed.
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build configuration line. The corresponding C function is `openblas_get_config`.
    public static var configuration: String { String(cString: openblas_get_config()) }
}

extension BLAS {
    private static let oneThreadPerCall: Void = { openblas_set_num_threads(1) }()

    /// Sets OpenBLAS to one thread per call, once per process.
    ///
    /// The layers split their work among the cores themselves (``Parallel``) and call sgemm from
    /// each, so OpenBLAS must not start threads of its own underneath.
    public static func useOneThreadPerCall() { _ = oneThreadPerCall }
}
