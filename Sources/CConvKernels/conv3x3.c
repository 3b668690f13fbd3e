#include "conv_kernels.h"
#include "padding.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_X86 1
#else
#define CK_X86 0
#endif

/// Output pixels computed together (with CK_BLOCK channels: 12 accumulators of 8 floats).
#define CK_PIXELS 6

bool ck_conv3x3_available(void) {
#if CK_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

bool ck_conv3x3_optimized(void) {
#ifdef __OPTIMIZE__
    return true;
#else
    return false;
#endif
}

static int blocks_of(int out_channels) { return (out_channels + CK_BLOCK - 1) / CK_BLOCK; }

size_t ck_conv3x3_packed_count(int channels, int out_channels) {
    return (size_t)blocks_of(out_channels) * channels * 9 * CK_BLOCK;
}

// Packed layout: [block][c][ky·3 + kx][CK_BLOCK], so one step of the kernel reads CK_BLOCK
// consecutive floats.
void ck_conv3x3_pack(const float *weight, int out_channels, int channels, bool transpose_flip, float *packed) {
    // The packed kernel's own output and input channel counts.
    const int outs = transpose_flip ? channels : out_channels, ins = transpose_flip ? out_channels : channels;
    memset(packed, 0, ck_conv3x3_packed_count(ins, outs) * sizeof(float));
    for (int o = 0; o < outs; o++) {
        float *block = packed + (size_t)(o / CK_BLOCK) * ins * 9 * CK_BLOCK;
        for (int c = 0; c < ins; c++) {
            for (int k = 0; k < 9; k++) {
                const float value = transpose_flip ? weight[((size_t)c * channels + o) * 9 + (8 - k)]
                                                   : weight[((size_t)o * channels + c) * 9 + k];
                block[((size_t)c * 9 + k) * CK_BLOCK + o % CK_BLOCK] = value;
            }
        }
    }
}

// Workspace: the image with a zero border ((height + 2) × (width + 2) per channel), then
// height·width + CK_PIXELS rows of CK_BLOCK outputs (pixel-major) for one block of channels, then
// each output pixel's offset in the bordered plane (one int per float slot).
static size_t out_count(int height, int width) { return ((size_t)height * width + CK_PIXELS) * CK_BLOCK; }

size_t ck_conv3x3_workspace_count(int channels, int height, int width) {
    return ck_padded_count(channels, height, width) + out_count(height, width) + (size_t)height * width;
}

#if CK_X86
__attribute__((target("avx2,fma")))
static void block_tiles(const float *xp, int channels, size_t plane, const int *base, int pixels, const int *offsets,
                        const float *w, float *out) {
    for (int p0 = 0; p0 < pixels; p0 += CK_PIXELS) {
        // A short last tile repeats its last pixel; the extra rows of `out` are scratch.
        const float *src[CK_PIXELS];
        for (int i = 0; i < CK_PIXELS; i++) {
            const int p = p0 + i < pixels ? p0 + i : pixels - 1;
            src[i] = xp + base[p];
        }
        __m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(), a10 = _mm256_setzero_ps(),
               a11 = _mm256_setzero_ps(), a20 = _mm256_setzero_ps(), a21 = _mm256_setzero_ps(),
               a30 = _mm256_setzero_ps(), a31 = _mm256_setzero_ps(), a40 = _mm256_setzero_ps(),
               a41 = _mm256_setzero_ps(), a50 = _mm256_setzero_ps(), a51 = _mm256_setzero_ps();
        const float *wc = w;
        for (int c = 0; c < channels; c++) {
            const size_t shift = (size_t)c * plane;
            const float *s0 = src[0] + shift, *s1 = src[1] + shift, *s2 = src[2] + shift, *s3 = src[3] + shift,
                        *s4 = src[4] + shift, *s5 = src[5] + shift;
            for (int k = 0; k < 9; k++) {
                const int d = offsets[k];
                const __m256 w0 = _mm256_loadu_ps(wc), w1 = _mm256_loadu_ps(wc + 8);
                __m256 v = _mm256_broadcast_ss(s0 + d);
                a00 = _mm256_fmadd_ps(w0, v, a00);
                a01 = _mm256_fmadd_ps(w1, v, a01);
                v = _mm256_broadcast_ss(s1 + d);
                a10 = _mm256_fmadd_ps(w0, v, a10);
                a11 = _mm256_fmadd_ps(w1, v, a11);
                v = _mm256_broadcast_ss(s2 + d);
                a20 = _mm256_fmadd_ps(w0, v, a20);
                a21 = _mm256_fmadd_ps(w1, v, a21);
                v = _mm256_broadcast_ss(s3 + d);
                a30 = _mm256_fmadd_ps(w0, v, a30);
                a31 = _mm256_fmadd_ps(w1, v, a31);
                v = _mm256_broadcast_ss(s4 + d);
                a40 = _mm256_fmadd_ps(w0, v, a40);
                a41 = _mm256_fmadd_ps(w1, v, a41);
                v = _mm256_broadcast_ss(s5 + d);
                a50 = _mm256_fmadd_ps(w0, v, a50);
                a51 = _mm256_fmadd_ps(w1, v, a51);
                wc += CK_BLOCK;
            }
        }
        float *o = out + (size_t)p0 * CK_BLOCK;
        _mm256_storeu_ps(o, a00);
        _mm256_storeu_ps(o + 8, a01);
        _mm256_storeu_ps(o + 16, a10);
        _mm256_storeu_ps(o + 24, a11);
        _mm256_storeu_ps(o + 32, a20);
        _mm256_storeu_ps(o + 40, a21);
        _mm256_storeu_ps(o + 48, a30);
        _mm256_storeu_ps(o + 56, a31);
        _mm256_storeu_ps(o + 64, a40);
        _mm256_storeu_ps(o + 72, a41);
        _mm256_storeu_ps(o + 80, a50);
        _mm256_storeu_ps(o + 88, a51);
    }
}

// One output pixel's value in channel plane `j`: `v · scale + shift + addend`, then the ReLU (a NaN
// stays NaN; −0 becomes +0 through the shift's addition, which happens even when the shift is 0).
// A product and two sums, each rounded: scatter_block's vector path computes exactly the same.
static inline float epilogue(float v, const float *scale, const float *shift, const float *addend, bool relu, int j,
                             size_t at) {
#pragma clang fp contract(off)
    if (scale) v = v * scale[j];
    v = v + (shift ? shift[j] : 0);
    if (addend) v = v + addend[at];
    return relu && v < 0 ? 0 : v;
}

// In-place transpose of eight rows of eight floats: afterwards r[j] holds what was column j.
__attribute__((target("avx2,fma"))) static inline void transpose8(__m256 *r) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]),
                 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]),
                 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]),
                 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)),
                 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2)),
                 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)),
                 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2)),
                 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)),
                 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2)),
                 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)),
                 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Writes one block of outputs, `out` (pixel-major rows of CK_BLOCK), to its `count` channel planes of
// `y` (plane j at y + j·pixels) through `epilogue`: eight pixels at a time by 8×8 transposes, the
// last pixels one by one. `scale`, `shift` and `addend` start at the block's first channel.
__attribute__((target("avx2,fma"))) static void scatter_block(const float *out, int count, int pixels, float *y,
                                                              const float *scale, const float *shift,
                                                              const float *addend, bool relu) {
#pragma clang fp contract(off)
    const int whole = pixels & ~7;
    const __m256 zero = _mm256_setzero_ps();
    for (int half = 0; half * 8 < count; half++) {
        const int lanes = count - half * 8 < 8 ? count - half * 8 : 8;
        for (int p0 = 0; p0 < whole; p0 += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(out + (size_t)(p0 + i) * CK_BLOCK + half * 8);
            transpose8(r);
            for (int l = 0; l < lanes; l++) {
                const int j = half * 8 + l;
                __m256 v = r[l];
                if (scale) v = _mm256_mul_ps(v, _mm256_set1_ps(scale[j]));
                v = _mm256_add_ps(v, _mm256_set1_ps(shift ? shift[j] : 0));
                if (addend) v = _mm256_add_ps(v, _mm256_loadu_ps(addend + (size_t)j * pixels + p0));
                if (relu) v = _mm256_blendv_ps(v, zero, _mm256_cmp_ps(v, zero, _CMP_LT_OQ));
                _mm256_storeu_ps(y + (size_t)j * pixels + p0, v);
            }
        }
        for (int l = 0; l < lanes; l++) {
            const int j = half * 8 + l;
            for (int p = whole; p < pixels; p++)
                y[(size_t)j * pixels + p] =
                    epilogue(out[(size_t)p * CK_BLOCK + j], scale, shift, addend, relu, j, (size_t)j * pixels + p);
        }
    }
}
#endif

void ck_conv3x3(const float *x, int channels, int height, int width, int stride, const float *packed, int out_channels,
                const float *scale, const float *shift, const float *addend, bool relu, float *y, float *workspace) {
#if CK_X86
    const int wp = width + 2, ho = (height - 1) / stride + 1, wo = (width - 1) / stride + 1, pixels = ho * wo;
    const size_t plane = (size_t)(height + 2) * wp;
    float *xp = workspace, *out = workspace + ck_padded_count(channels, height, width);
    ck_pad(x, channels, height, width, xp);
    // Output pixel p = (r, q) reads the padded image from s·r·wp + s·q, shifted by ky·wp + kx.
    int offsets[9];
    for (int k = 0; k < 9; k++) offsets[k] = (k / 3) * wp + k % 3;
    int *bases = (int *)(out + out_count(height, width));
    for (int r = 0, p = 0; r < ho; r++)
        for (int q = 0; q < wo; q++) bases[p++] = stride * (r * wp + q);
    for (int b = 0; b < blocks_of(out_channels); b++) {
        block_tiles(xp, channels, plane, bases, pixels, offsets,
                    packed + (size_t)b * channels * 9 * CK_BLOCK, out);
        const int first = b * CK_BLOCK, count = out_channels - first < CK_BLOCK ? out_channels - first : CK_BLOCK;
        scatter_block(out, count, pixels, y + (size_t)first * pixels, scale ? scale + first : NULL,
                      shift ? shift + first : NULL, addend ? addend + (size_t)first * pixels : NULL, relu);
    }
#else
    (void)x; (void)channels; (void)height; (void)width; (void)stride; (void)packed; (void)out_channels; (void)scale;
    (void)shift; (void)addend; (void)relu; (void)y; (void)workspace;
#endif
}
