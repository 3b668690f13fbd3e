// Direct 3×3 convolution kernels (padding 1, any stride) for narrow layers, forward and weight
// gradient, in C with AVX2 + FMA intrinsics behind a run-time CPU check. im2col + sgemm leaves
// these shapes (16–64 channels) well below the machine's peak: the unfolded matrix is read only
// `out` times per packing.
#ifndef EXPLICABLE_CONV_KERNELS_H
#define EXPLICABLE_CONV_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Output channels computed together: two 8-float vectors.
#define CK_BLOCK 16

/// Whether this CPU runs the kernels (AVX2 and FMA).
bool ck_conv3x3_available(void);

/// Whether these kernels were compiled with optimisation (`__OPTIMIZE__`: SwiftPM's release
/// builds use -O2). Unoptimised, as in a debug build, they are about 40 times slower (each
/// intrinsic's vector goes through the stack) and im2col + OpenBLAS is the faster path.
bool ck_conv3x3_optimized(void);

/// Floats of the packed weights for `out_channels × channels × 3 × 3`.
size_t ck_conv3x3_packed_count(int channels, int out_channels);

/// Packs `weight` (`out_channels × channels × 3 × 3`, PyTorch's layout) for ck_conv3x3, output
/// channels in blocks of CK_BLOCK (the last block zero-filled). With `transpose_flip`, packs
/// instead the kernel of the adjoint convolution, `W'[c, o, ky, kx] = W[o, c, 2 − ky, 2 − kx]`,
/// whose input has `out_channels` channels and whose output has `channels` (the input gradient of
/// a stride-1, padding-1 convolution is that convolution of the output gradient).
void ck_conv3x3_pack(const float *weight, int out_channels, int channels, bool transpose_flip, float *packed);

/// Floats of workspace ck_conv3x3 needs for one image.
size_t ck_conv3x3_workspace_count(int channels, int height, int width);

/// y = conv3x3(x) · scale + shift (+ addend), then max(y, 0) when `relu`, for one image: `x` is
/// `channels × height × width`, `y` is `out_channels × ho × wo` with `ho = (height − 1) / stride + 1`
/// (and `wo` alike), `packed` comes from
/// ck_conv3x3_pack with these channel counts (for a transpose_flip packing, `channels` is the
/// original `out_channels` and vice versa); `scale` and `shift` have `out_channels` entries or are
/// NULL (scale 1, shift 0) — a bias is a shift, an evaluation-mode batch norm a scale and a shift;
/// `addend` is NULL or shaped like `y` (a residual block's shortcut).
/// A NaN stays NaN through the ReLU, as in the ReLU layer. Overwrites `y`. Deterministic: every
/// output is summed in the same order whatever the thread count.
void ck_conv3x3(const float *x, int channels, int height, int width, int stride, const float *packed, int out_channels,
                const float *scale, const float *shift, const float *addend, bool relu, float *y, float *workspace);

/// Floats of workspace ck_conv3x3_weight_gradient needs for one image.
size_t ck_conv3x3_weight_gradient_workspace_count(int channels, int height, int width, int stride);

/// Adds one image's weight gradient,
/// `∂W[o, c, ky, kx] += Σ_(r, q) ∂y[o, r, q] · x[c, s·r + ky − 1, s·q + kx − 1]` (x zero outside
/// the image), to `accumulator`, in ck_conv3x3_pack's layout (not transposed:
/// ck_conv3x3_packed_count(channels, out_channels) floats; the lanes past `out_channels` stay
/// zero). `x` is `channels × height × width`, `gy` is `out_channels × ho × wo` with
/// `ho = (height − 1) / stride + 1` (and `wo` alike); `workspace` has
/// ck_conv3x3_weight_gradient_workspace_count floats. Deterministic: each weight adds the image's
/// pixels to its accumulator one by one in a fixed order, so a batch accumulated image by image
/// is summed in image order.
void ck_conv3x3_weight_gradient(const float *x, int channels, int height, int width, int stride, const float *gy,
                                int out_channels, float *accumulator, float *workspace);

/// Writes `packed` (ck_conv3x3_pack's layout, not transposed) to `weight` in PyTorch's layout,
/// `out_channels × channels × 3 × 3`.
void ck_conv3x3_unpack(const float *packed, int out_channels, int channels, float *weight);

/// 2×2 max pooling with stride 2 of one `height × width` plane into `y` (`height/2 × width/2`; an
/// odd last row or column is dropped), and with `argmax` not NULL each output's winner as its flat
/// index in the plane. A window `a b / c d` is scanned in row-major order and a value replaces the
/// best so far when it is larger or NaN, as PyTorch does: a window with a NaN gives NaN, and the
/// winner is the last NaN, else the first maximum. Needs ck_conv3x3_available().
void ck_maxpool2x2(const float *x, int height, int width, float *y, int32_t *argmax);

#endif
