"""Array building blocks of the simulator: random fields, FFT smoothing, resampling.

Everything heavy is a pure ``jax.numpy`` function; shapes are static. Resampling between the
simulator's axis-aligned grids (200 m, 1 km, 3.125 km, 10 km, 25 km, all on one CRS) uses exact
area-overlap matrices, so ``coarse = Wy @ fine @ Wx.T`` is a true area average even where the
resolutions are not integer multiples (3125 m / 200 m = 15.625).
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from seaice_jax.geo.grids import Grid


def _freqs(shape: tuple[int, int]) -> tuple[jax.Array, jax.Array]:
    fy = jnp.fft.fftfreq(shape[0])[:, None]
    fx = jnp.fft.rfftfreq(shape[1])[None, :]
    return fy, fx


@partial(jax.jit, static_argnames=("shape",))
def smooth_noise(
    key: jax.Array, shape: tuple[int, int], scale_px: float, aniso: float = 1.0, angle: float = 0.0
) -> jax.Array:
    """Zero-mean, unit-std Gaussian random field with a Gaussian correlation of ``scale_px``.

    Args:
      key: PRNG key.
      shape: (H, W).
      scale_px: correlation length (Gaussian sigma of the filter) in pixels.
      aniso: ratio of the correlation length along ``angle`` to across it (> 1: streaks).
      angle: direction of the long axis, radians from the x axis.

    Returns:
      (H, W) float32.
    """
    white = jax.random.normal(key, shape, jnp.float32)
    fy, fx = _freqs(shape)
    c, s = jnp.cos(angle), jnp.sin(angle)
    fu, fv = c * fx + s * fy, -s * fx + c * fy
    su, sv = scale_px * aniso, scale_px
    h = jnp.exp(-2.0 * jnp.pi**2 * ((su * fu) ** 2 + (sv * fv) ** 2))
    out = jnp.fft.irfft2(jnp.fft.rfft2(white) * h, s=shape)
    return (out - out.mean()) / (out.std() + 1e-12)


@partial(jax.jit, static_argnames=("pad",))
def gaussian_blur(img: jax.Array, sigma_y, sigma_x, angle=0.0, pad: int | None = None) -> jax.Array:
    """Anisotropic Gaussian smoothing by FFT with edge padding (no wrap-around at the borders).

    Args:
      img: (H, W) or (C, H, W).
      sigma_y, sigma_x: Gaussian sigmas (pixels) of the kernel's two axes before rotation.
      angle: rotation of the kernel's x axis, radians.
      pad: edge padding (px); default 3.5 sigma (then the sigmas must be static numbers).

    Returns:
      Same shape as ``img``.
    """
    if pad is None:
        pad = int(np.ceil(3.5 * max(float(sigma_x), float(sigma_y)))) + 1
    lead = img.ndim - 2
    padded = jnp.pad(img, [(0, 0)] * lead + [(pad, pad), (pad, pad)], mode="edge")
    shape = padded.shape[-2:]
    fy, fx = _freqs(shape)
    c, s = jnp.cos(angle), jnp.sin(angle)
    fu, fv = c * fx + s * fy, -s * fx + c * fy
    h = jnp.exp(-2.0 * jnp.pi**2 * ((sigma_x * fu) ** 2 + (sigma_y * fv) ** 2))
    out = jnp.fft.irfft2(jnp.fft.rfft2(padded) * h, s=shape)
    return out[..., pad:-pad, pad:-pad]


def fft_convolve(img: jax.Array, kernel: jax.Array) -> jax.Array:
    """'same'-size linear convolution of (H, W) ``img`` with a small odd (k, k) ``kernel``."""
    k = kernel.shape[0]
    shape = (img.shape[0] + k - 1, img.shape[1] + k - 1)
    out = jnp.fft.irfft2(jnp.fft.rfft2(img, s=shape) * jnp.fft.rfft2(kernel, s=shape), s=shape)
    r = k // 2
    return out[r : r + img.shape[0], r : r + img.shape[1]]


def overlap_matrix(
    src0: float, src_res: float, n_src: int, dst0: float, dst_res: float, n_dst: int
):
    """Row-normalised 1-D area-overlap weights from source cells to destination cells.

    Cells are ``[x0 + i*res, x0 + (i+1)*res)`` along one axis.

    Returns:
      (weights (n_dst, n_src) float32 with rows summing to 1 where covered, coverage (n_dst,)
      fraction of each destination cell covered by source cells).
    """
    a = src0 + np.arange(n_src) * src_res
    b = dst0 + np.arange(n_dst) * dst_res
    lo = np.maximum(b[:, None], a[None, :])
    hi = np.minimum(b[:, None] + dst_res, a[None, :] + src_res)
    w = np.clip(hi - lo, 0.0, None)
    tot = w.sum(1)
    cov = tot / dst_res
    w = np.where(tot[:, None] > 0, w / np.where(tot[:, None] > 0, tot[:, None], 1.0), 0.0)
    return w.astype(np.float32), cov.astype(np.float32)


def area_weights(src: Grid, dst: Grid):
    """Area-overlap matrices between two grids on one CRS.

    Returns:
      (Wy (dst.H, src.H), Wx (dst.W, src.W), coverage (dst.H, dst.W)).
    """
    wy, cy = overlap_matrix(-src.y0, src.res, src.height, -dst.y0, dst.res, dst.height)
    wx, cx = overlap_matrix(src.x0, src.res, src.width, dst.x0, dst.res, dst.width)
    return jnp.asarray(wy), jnp.asarray(wx), jnp.asarray(cy[:, None] * cx[None, :])


@jax.jit
def area_average(img: jax.Array, wy: jax.Array, wx: jax.Array) -> jax.Array:
    """Area average of (..., H, W) ``img`` with :func:`area_weights` matrices."""
    return jnp.einsum("ij,...jk,lk->...il", wy, img, wx)


def sample_coords(src: Grid, x: jax.Array, y: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Fractional (row, col) pixel-centre coordinates in ``src`` of map points (x, y)."""
    return (src.y0 - y) / src.res - 0.5, (x - src.x0) / src.res - 0.5


@partial(jax.jit, static_argnames=("order",))
def bilinear(img: jax.Array, rows: jax.Array, cols: jax.Array, order: int = 1) -> jax.Array:
    """Sample (H, W) ``img`` at fractional pixel coordinates (edge values outside)."""
    return jax.scipy.ndimage.map_coordinates(img, [rows, cols], order=order, mode="nearest")


@partial(jax.jit, static_argnames=("src", "dst"))
def resample_bilinear(img: jax.Array, src: Grid, dst: Grid) -> jax.Array:
    """Bilinear interpolation of ``img`` on ``src`` at the pixel centres of ``dst`` (same CRS)."""
    xx, yy = jnp.meshgrid(jnp.asarray(dst.x, jnp.float32), jnp.asarray(dst.y, jnp.float32))
    r, c = sample_coords(src, xx, yy)
    return bilinear(img, r, c)


@partial(jax.jit, static_argnames=("shape",))
def texture_fields(key: jax.Array, shape: tuple[int, int]) -> jax.Array:
    """Unit-std SAR texture for HH and HV, (2, H, W): two scales (1 and 6 px), HV ~0.75 correlated."""
    k1, k2, k3 = jax.random.split(key, 3)
    n = smooth_noise_batch(jnp.stack([k1, k2, k3]), shape, jnp.asarray([1.0, 6.0, 1.5]))
    hh = 0.7 * n[0] + 0.71 * n[1]
    return jnp.stack([hh, 0.75 * hh + 0.66 * n[2]])


@partial(jax.jit, static_argnames=("shape",))
def smooth_noise_batch(keys: jax.Array, shape: tuple[int, int], scales_px: jax.Array) -> jax.Array:
    """(N, H, W) isotropic :func:`smooth_noise` fields, one per key and scale (one batched FFT)."""
    return jax.vmap(lambda k, s: smooth_noise(k, shape, s))(keys, scales_px)
