#!/usr/bin/env python3
"""Expected bytes for Tests/AuditTests/CorruptionsTests.swift (the deterministic CIFAR-10-C corruptions).

The corruption definitions and severity parameters are those of Hendrycks & Dietterich (ICLR 2019),
file ImageNet-C/create_c/make_cifar_c.py of the hendrycks/robustness repository:

    contrast      c = [.75, .5, .4, .3, 0.15]      (x - mean over H,W per channel) * c + mean
    brightness    c = [.05, .1, .15, .2, .3]       skimage rgb2hsv, V = clip(V + c, 0, 1), hsv2rgb
    defocus_blur  c = [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)]   disk(radius, alias_blur)
    pixelate      c = [0.95, 0.9, 0.85, 0.75, 0.65]  PIL resize to int(32c) with BOX, back to 32 with BOX
    jpeg          c = [80, 65, 58, 50, 40]         PIL save as JPEG at quality c, load again

each followed by np.uint8(...) (truncation toward zero) when the data set is written.

Two implementations are run for each corruption:
  * "library": the authors' code with the libraries it calls (skimage, cv2, PIL), where importable;
  * "numpy":   a NumPy re-implementation of the exact formulas (skimage's rgb2hsv/hsv2rgb, cv2's
               GaussianBlur kernel in float32 and filter2D with BORDER_REFLECT_101 as a direct sum
               in float64, Pillow's BOX resampling with its 22-bit fixed-point coefficients).
The script prints, per corruption and severity, how far the two are apart, and the SHA-256 of the
bytes the Swift test expects: the "library" bytes where the library is importable, else the NumPy
ones (JPEG has no NumPy version). With the versions below the two agree on every byte for every
corruption and severity; they could part where cv2.filter2D's DFT path (kernels of 50+ taps) or a
different order of float32 operations moves a value across an integer before np.uint8 truncates it.

Usage: python3 Benchmarks/corruption_reference.py      (needs numpy; PIL, skimage, cv2 optional)
Made with numpy 2.4.6 plus, in a throwaway virtual environment, Pillow 13.0.0, opencv-python-headless
5.0.0 and scikit-image 0.26.0.
"""
import hashlib
import sys

import numpy as np

try:
    from PIL import Image
except ImportError:
    Image = None
try:
    import skimage as sk
except ImportError:
    sk = None
try:
    import cv2
except ImportError:
    cv2 = None


def fixed_image():
    """The 32x32 RGB test pattern; CorruptionsTests.fixedImage() makes the same one."""
    img = np.zeros((32, 32, 3), dtype=np.uint8)
    for y in range(32):
        for x in range(32):
            r = (7 * x + 3 * y * y) % 256
            g = (x * y + 5 * y + 40) % 256
            b = (200 - 4 * y) if x < 16 else ((x ^ y) * 8) % 256
            if 20 <= x < 28 and 4 <= y < 12:
                r = g = b = 128
            img[y, x] = (r, g, b)
    return img


# ---------------------------------------------------------------- contrast (NumPy in the original)

def contrast(x, severity):
    c = [.75, .5, .4, .3, 0.15][severity - 1]
    x = np.array(x) / 255.
    means = np.mean(x, axis=(0, 1), keepdims=True)
    return np.clip((x - means) * c + means, 0, 1) * 255


# ---------------------------------------------------------------- brightness

def rgb2hsv_numpy(arr):
    """skimage.color.rgb2hsv (0.14 to 0.26), for float64 input in [0, 1]."""
    out = np.empty_like(arr)
    out_v = arr.max(-1)
    delta = np.ptp(arr, -1)
    with np.errstate(invalid='ignore', divide='ignore'):
        out_s = delta / out_v
    out_s[delta == 0.] = 0.
    with np.errstate(invalid='ignore', divide='ignore'):
        idx = arr[..., 0] == out_v
        out[idx, 0] = (arr[idx, 1] - arr[idx, 2]) / delta[idx]
        idx = arr[..., 1] == out_v
        out[idx, 0] = 2. + (arr[idx, 2] - arr[idx, 0]) / delta[idx]
        idx = arr[..., 2] == out_v
        out[idx, 0] = 4. + (arr[idx, 0] - arr[idx, 1]) / delta[idx]
    out_h = (out[..., 0] / 6.) % 1.
    out_h[delta == 0.] = 0.
    out[..., 0] = out_h
    out[..., 1] = out_s
    out[..., 2] = out_v
    out[np.isnan(out)] = 0
    return out


def hsv2rgb_numpy(arr):
    """skimage.color.hsv2rgb."""
    hi = np.floor(arr[..., 0] * 6)
    f = arr[..., 0] * 6 - hi
    p = arr[..., 2] * (1 - arr[..., 1])
    q = arr[..., 2] * (1 - f * arr[..., 1])
    t = arr[..., 2] * (1 - (1 - f) * arr[..., 1])
    v = arr[..., 2]
    hi = np.stack([hi, hi, hi], axis=-1).astype(np.uint8) % 6
    return np.choose(hi, np.stack([np.stack((v, t, p), axis=-1), np.stack((q, v, p), axis=-1),
                                   np.stack((p, v, t), axis=-1), np.stack((p, q, v), axis=-1),
                                   np.stack((t, p, v), axis=-1), np.stack((v, p, q), axis=-1)]))


def brightness(x, severity, library):
    c = [.05, .1, .15, .2, .3][severity - 1]
    x = np.array(x) / 255.
    x = sk.color.rgb2hsv(x) if library else rgb2hsv_numpy(x)
    x[:, :, 2] = np.clip(x[:, :, 2] + c, 0, 1)
    x = sk.color.hsv2rgb(x) if library else hsv2rgb_numpy(x)
    return np.clip(x, 0, 1) * 255


# ---------------------------------------------------------------- defocus blur

DEFOCUS = [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)]


def disk_cv2(radius, alias_blur=0.1, dtype=np.float32):
    """The authors' disk() (radius <= 8 for every CIFAR severity)."""
    L = np.arange(-8, 8 + 1)
    X, Y = np.meshgrid(L, L)
    aliased_disk = np.array((X ** 2 + Y ** 2) <= radius ** 2, dtype=dtype)
    aliased_disk /= np.sum(aliased_disk)
    return cv2.GaussianBlur(aliased_disk, ksize=(3, 3), sigmaX=alias_blur)


def gaussian_kernel3(sigma):
    """cv2.getGaussianKernel(3, sigma, CV_32F): computed in float64, stored as float32."""
    g = np.exp((-0.5 / (sigma * sigma)) * np.array([1., 0., 1.]))
    return (g * (1. / (g[0] + g[1] + g[2]))).astype(np.float32)


def disk_numpy(radius, alias_blur):
    L = np.arange(-8, 8 + 1)
    X, Y = np.meshgrid(L, L)
    d = np.array((X ** 2 + Y ** 2) <= radius ** 2, dtype=np.float32)
    d /= np.sum(d)
    g = gaussian_kernel3(alias_blur)
    # cv2's symmetric 3-tap row and column filters in float32: k0*centre + k1*(left + right).
    p = np.pad(d, 1, mode='reflect')  # numpy 'reflect' is BORDER_REFLECT_101
    rows = g[1] * p[:, 1:-1] + g[0] * (p[:, :-2] + p[:, 2:])
    cols = g[1] * rows[1:-1, :] + g[0] * (rows[:-2, :] + rows[2:, :])
    return cols.astype(np.float32)


def correlate_reflect101(channel, kernel):
    """cv2.filter2D(channel, -1, kernel) as a direct sum in float64 (border BORDER_REFLECT_101)."""
    r = kernel.shape[0] // 2
    p = np.pad(channel, r, mode='reflect')
    out = np.zeros_like(channel)
    k = kernel.astype(np.float64)
    for dy in range(kernel.shape[0]):
        for dx in range(kernel.shape[1]):
            if k[dy, dx] != 0:
                out += k[dy, dx] * p[dy:dy + channel.shape[0], dx:dx + channel.shape[1]]
    return out


def defocus_blur(x, severity, library):
    c = DEFOCUS[severity - 1]
    x = np.array(x) / 255.
    if library:
        kernel = disk_cv2(radius=c[0], alias_blur=c[1])
        channels = [cv2.filter2D(x[:, :, d], -1, kernel) for d in range(3)]
    else:
        kernel = disk_numpy(c[0], c[1])
        channels = [correlate_reflect101(x[:, :, d], kernel) for d in range(3)]
    channels = np.array(channels).transpose((1, 2, 0))
    return np.clip(channels, 0, 1) * 255


# ---------------------------------------------------------------- pixelate

PRECISION_BITS = 32 - 8 - 2


def pil_box_coeffs(in_size, out_size):
    """Pillow's precompute_coeffs for the BOX filter (support 0.5) and normalize_coeffs_8bpc."""
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = 0.5 * filterscale
    rows = []
    for xx in range(out_size):
        center = (xx + 0.5) * scale
        ss = 1.0 / filterscale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size) - xmin
        w = [1.0 if -0.5 < (x + xmin - center + 0.5) * ss <= 0.5 else 0.0 for x in range(xmax)]
        ww = sum(w)
        w = [v / ww for v in w]
        k = [int(-0.5 + v * (1 << PRECISION_BITS)) if v < 0 else int(0.5 + v * (1 << PRECISION_BITS)) for v in w]
        rows.append((xmin, k))
    return rows


def pil_resample_axis(img, out_size, axis):
    coeffs = pil_box_coeffs(img.shape[axis], out_size)
    moved = np.moveaxis(img.astype(np.int64), axis, 0)
    out = []
    for xmin, k in coeffs:
        acc = np.full(moved.shape[1:], 1 << (PRECISION_BITS - 1), dtype=np.int64)
        for j, kj in enumerate(k):
            acc += moved[xmin + j] * kj
        out.append(np.clip(acc >> PRECISION_BITS, 0, 255))
    return np.moveaxis(np.array(out, dtype=np.uint8), 0, axis)


def pil_resize_box(img, size):
    """ImagingResample: horizontal pass first, then vertical, 8-bit in between."""
    if size != img.shape[1]:
        img = pil_resample_axis(img, size, 1)
    if size != img.shape[0]:
        img = pil_resample_axis(img, size, 0)
    return img


def pixelate(x, severity, library):
    c = [0.95, 0.9, 0.85, 0.75, 0.65][severity - 1]
    if library:
        x = Image.fromarray(x)
        x = x.resize((int(32 * c), int(32 * c)), Image.BOX)
        x = x.resize((32, 32), Image.BOX)
        return np.array(x)
    return pil_resize_box(pil_resize_box(x, int(32 * c)), 32)


# ---------------------------------------------------------------- jpeg

def jpeg(x, severity):
    import io
    c = [80, 65, 58, 50, 40][severity - 1]
    output = io.BytesIO()
    Image.fromarray(x).save(output, 'JPEG', quality=c)
    return np.array(Image.open(output))


def main():
    img = fixed_image()
    print('fixed image sha256', hashlib.sha256(img.tobytes()).hexdigest())
    print('libraries:', 'PIL' if Image else '-', 'skimage' if sk else '-', 'cv2' if cv2 else '-')
    rows = []
    for name in ['contrast', 'brightness', 'defocus-blur', 'pixelate', 'jpeg']:
        for s in range(1, 6):
            lib = num = None
            if name == 'contrast':
                lib = num = np.uint8(contrast(img, s))
            elif name == 'brightness':
                num = np.uint8(brightness(img, s, False))
                lib = np.uint8(brightness(img, s, True)) if sk else None
            elif name == 'defocus-blur':
                num = np.uint8(defocus_blur(img, s, False))
                lib = np.uint8(defocus_blur(img, s, True)) if cv2 else None
            elif name == 'pixelate':
                num = pixelate(img, s, False)
                lib = pixelate(img, s, True) if Image else None
            elif name == 'jpeg':
                lib = jpeg(img, s) if Image else None
            stored = num if lib is None else lib
            if stored is None:
                print(f'{name} {s}: no reference (PIL missing)')
                continue
            note = ''
            if lib is not None and num is not None:
                d = np.abs(lib.astype(int) - num.astype(int))
                note = f'library vs numpy: max |diff| {d.max()}, {int((d > 0).sum())} of 3072 values differ'
            flat = stored.reshape(-1)
            samples = [(i, int(flat[i])) for i in (0, 1000, 1537, 2222, 3071)]
            digest = hashlib.sha256(stored.tobytes()).hexdigest()
            print(f'{name} {s}: sha256 {digest} sum {int(flat.astype(int).sum())} samples {samples} {note}')
            rows.append((name, s, digest, int(flat.astype(int).sum()), samples))
    print()
    print('// Swift table for CorruptionsTests.swift')
    for name, s, digest, total, samples in rows:
        smp = ', '.join(f'({i}, {v})' for i, v in samples)
        print(f'        (\n            "{name}", {s}, "{digest}", {total},\n            [{smp}]\n        ),')


if __name__ == '__main__':
    sys.exit(main())
