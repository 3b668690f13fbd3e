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
        for (int j = 0; j < count; j++) {
            float *dst = y + (size_t)(first + j) * pixels;
            const float times = scale ? scale[first + j] : 1, add = shift ? shift[first + j] : 0;
            const float *src = out + j;
            if (addend) {
                const float *extra = addend + (size_t)(first + j) * pixels;
                for (int p = 0; p < pixels; p++) {
                    const float v = src[(size_t)p * CK_BLOCK] * times + add + extra[p];
                    dst[p] = relu && v < 0 ? 0 : v;
                }
            } else if (relu) {
                for (int p = 0; p < pixels; p++) {
                    const float v = src[(size_t)p * CK_BLOCK] * times + add;
                    dst[p] = v < 0 ? 0 : v;
                }
            } else if (scale) {
                for (int p = 0; p < pixels; p++) dst[p] = src[(size_t)p * CK_BLOCK] * times + add;
            } else {
                for (int p = 0; p < pixels; p++) dst[p] = src[(size_t)p * CK_BLOCK] + add;
            }
        }
    }
#else
    (void)x; (void)channels; (void)height; (void)width; (void)stride; (void)packed; (void)out_channels; (void)scale;
    (void)shift; (void)addend; (void)relu; (void)y; (void)workspace;
#endif
}
