"""Transformer blocks of the high-resolution SIC transformer (flax.nnx).

- :class:`ChannelAttention`: attention across channels ("transposed" attention, Restormer, Zamir
  et al. 2022): the attention map is C x C per head, so its cost grows linearly with the number of
  pixels. That is what makes attention affordable at 1/2 and 1/4 of 200 m resolution, where full
  spatial attention over a 128 x 128 map would need a 16k x 16k matrix per head.
- :class:`WindowAttention`: spatial self-attention inside non-overlapping windows (Swin, Liu et
  al. 2021), used at the coarsest level where each window spans a large area of the tile.
- :class:`GatedFFN`: the gated depthwise-conv feed-forward net (Restormer): its depthwise 3 x 3
  convolution gives the blocks local positional context, so no position embedding is needed and
  the model runs on any tile size divisible by its total stride.
All maps are ``(B, H, W, C)``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx


def depthwise3x3(x: jax.Array, conv: nnx.Conv) -> jax.Array:
    """``conv(x)`` for a 3 x 3 depthwise ``nnx.Conv`` ("SAME"), as nine shifted multiply-adds.

    The same parameters and result as calling the grouped convolution; written out because XLA's
    CPU backend runs ``feature_group_count = C`` convolutions through a slow generic path
    (measured on the ``cpu`` variant's shapes, (8, 64, 64, 72): 228 ms forward, 758 ms with the
    gradient, against 22 ms and 270 ms for this form; ``docs/bench.md``).

    Args:
      x: ``(B, H, W, C)``.
      conv: the depthwise conv holding ``kernel`` ``(3, 3, 1, C)`` and ``bias`` ``(C,)``.

    Returns:
      ``(B, H, W, C)``.
    """
    h, w = x.shape[1:3]
    k = conv.kernel[...]
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    y = conv.bias[...]
    for i in range(3):
        for j in range(3):
            y = y + xp[:, i : i + h, j : j + w, :] * k[i, j, 0]
    return y


def pointwise(x: jax.Array, conv: nnx.Conv) -> jax.Array:
    """``conv(x)`` for a 1 x 1 ``nnx.Conv``, as one ``(B*H*W, C) @ (C, D)`` matrix product.

    The same parameters and result; written out because XLA's CPU backend differentiates the
    1 x 1 convolution through its generic convolution kernels: (8, 64, 64, 24) -> 72 channels
    took 19 ms for the gradient as a convolution against 2.8 ms as a matrix product
    (``docs/bench.md``). A matrix product is the native form on GPU/TPU matrix units too.

    Args:
      x: ``(B, H, W, C)``.
      conv: a ``(1, 1)`` conv holding ``kernel`` ``(1, 1, C, D)`` and ``bias`` ``(D,)``.

    Returns:
      ``(B, H, W, D)``.
    """
    k = conv.kernel[...][0, 0]
    y = (x.reshape(-1, k.shape[0]) @ k).reshape(*x.shape[:-1], k.shape[1])
    return y + conv.bias[...]


def patch_down(x: jax.Array, conv: nnx.Conv) -> jax.Array:
    """``conv(x)`` for a 2 x 2, stride-2, ``VALID`` ``nnx.Conv``: space-to-depth, then a matmul.

    Args:
      x: ``(B, H, W, C)``, H and W even.
      conv: kernel ``(2, 2, C, D)``, bias ``(D,)``.

    Returns:
      ``(B, H/2, W/2, D)``.
    """
    b, h, w, c = x.shape
    k = conv.kernel[...]
    p = x.reshape(b, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 2, 4, 5)
    y = p.reshape(-1, 4 * c) @ k.reshape(4 * c, k.shape[-1])
    return y.reshape(b, h // 2, w // 2, -1) + conv.bias[...]


def patch_up(x: jax.Array, conv: nnx.ConvTranspose) -> jax.Array:
    """``conv(x)`` for a 2 x 2, stride-2 ``nnx.ConvTranspose``: a matmul, then depth-to-space.

    Each input pixel writes one 2 x 2 block of the output, so the transposed convolution is a
    matrix product per pixel; flax's transposed convolution applies the kernel flipped in both
    spatial axes, hence ``k[::-1, ::-1]``.

    Args:
      x: ``(B, H, W, C)``.
      conv: kernel ``(2, 2, C, D)``, bias ``(D,)``.

    Returns:
      ``(B, 2H, 2W, D)``.
    """
    b, h, w, c = x.shape
    k = conv.kernel[...][::-1, ::-1]
    d = k.shape[-1]
    y = x.reshape(-1, c) @ k.transpose(2, 0, 1, 3).reshape(c, 4 * d)
    y = y.reshape(b, h, w, 2, 2, d).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(b, 2 * h, 2 * w, d) + conv.bias[...]


class ChannelAttention(nnx.Module):
    """Multi-head transposed (channel) attention with depthwise-conv q/k/v."""

    def __init__(self, dim: int, heads: int, *, rngs: nnx.Rngs):
        self.heads = heads
        self.norm = nnx.LayerNorm(dim, rngs=rngs)
        self.qkv = nnx.Conv(dim, 3 * dim, (1, 1), rngs=rngs)
        self.dw = nnx.Conv(3 * dim, 3 * dim, (3, 3), feature_group_count=3 * dim, rngs=rngs)
        self.temperature = nnx.Param(jnp.ones((heads, 1, 1)))
        self.proj = nnx.Conv(dim, dim, (1, 1), rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        b, h, w, c = x.shape
        qkv = depthwise3x3(pointwise(self.norm(x), self.qkv), self.dw)
        q, k, v = jnp.split(qkv, 3, axis=-1)

        def heads(t):  # (B, H, W, C) -> (B, heads, C/heads, HW)
            return t.reshape(b, h * w, self.heads, c // self.heads).transpose(0, 2, 3, 1)

        q, k, v = heads(q), heads(k), heads(v)
        q = q / (jnp.linalg.norm(q, axis=-1, keepdims=True) + 1e-6)
        k = k / (jnp.linalg.norm(k, axis=-1, keepdims=True) + 1e-6)
        attn = jax.nn.softmax(q @ k.swapaxes(-1, -2) * self.temperature[...], axis=-1)
        out = (attn @ v).transpose(0, 3, 1, 2).reshape(b, h, w, c)
        return x + pointwise(out, self.proj)


class WindowAttention(nnx.Module):
    """Multi-head spatial self-attention inside non-overlapping ``window x window`` patches."""

    def __init__(self, dim: int, heads: int, window: int, *, rngs: nnx.Rngs):
        self.heads, self.window = heads, window
        self.norm = nnx.LayerNorm(dim, rngs=rngs)
        self.qkv = nnx.Linear(dim, 3 * dim, rngs=rngs)
        self.proj = nnx.Linear(dim, dim, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        b, h, w, c = x.shape
        s = min(self.window, h, w)
        if h % s or w % s:
            raise ValueError(f"feature map {h}x{w} is not divisible by the window {s}")
        t = self.norm(x).reshape(b, h // s, s, w // s, s, c).transpose(0, 1, 3, 2, 4, 5)
        t = t.reshape(-1, s * s, c)
        q, k, v = jnp.split(self.qkv(t), 3, axis=-1)
        d = c // self.heads

        def split(z):
            return z.reshape(z.shape[0], s * s, self.heads, d).transpose(0, 2, 1, 3)

        att = jax.nn.softmax(split(q) @ split(k).swapaxes(-1, -2) / jnp.sqrt(d), axis=-1)
        o = (att @ split(v)).transpose(0, 2, 1, 3).reshape(-1, s * s, c)
        o = self.proj(o).reshape(b, h // s, w // s, s, s, c).transpose(0, 1, 3, 2, 4, 5)
        return x + o.reshape(b, h, w, c)


class GatedFFN(nnx.Module):
    """Gated depthwise-conv feed-forward: ``W2 (gelu(dw(W1a x)) * dw(W1b x))``."""

    def __init__(self, dim: int, expansion: float, *, rngs: nnx.Rngs):
        hidden = max(int(dim * expansion), 4)
        self.norm = nnx.LayerNorm(dim, rngs=rngs)
        self.inp = nnx.Conv(dim, 2 * hidden, (1, 1), rngs=rngs)
        self.dw = nnx.Conv(
            2 * hidden, 2 * hidden, (3, 3), feature_group_count=2 * hidden, rngs=rngs
        )
        self.out = nnx.Conv(hidden, dim, (1, 1), rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        a, g = jnp.split(depthwise3x3(pointwise(self.norm(x), self.inp), self.dw), 2, axis=-1)
        return x + pointwise(jax.nn.gelu(a) * g, self.out)


class TransformerBlock(nnx.Module):
    """Attention (channel or windowed) followed by the gated FFN, both pre-norm residual."""

    def __init__(self, dim: int, heads: int, *, window: int, expansion: float, rngs: nnx.Rngs):
        if window > 0:
            self.attn = WindowAttention(dim, heads, window, rngs=rngs)
        else:
            self.attn = ChannelAttention(dim, heads, rngs=rngs)
        self.ffn = GatedFFN(dim, expansion, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.ffn(self.attn(x))


class ConvBlock(nnx.Module):
    """Two 3 x 3 convolutions with GELU and a residual: the full-resolution layers."""

    def __init__(self, cin: int, cout: int, *, rngs: nnx.Rngs):
        self.c1 = nnx.Conv(cin, cout, (3, 3), rngs=rngs)
        self.c2 = nnx.Conv(cout, cout, (3, 3), rngs=rngs)
        self.skip = nnx.Conv(cin, cout, (1, 1), rngs=rngs) if cin != cout else None

    def __call__(self, x: jax.Array) -> jax.Array:
        y = self.c2(jax.nn.gelu(self.c1(x)))
        return jax.nn.gelu(y + (pointwise(x, self.skip) if self.skip is not None else x))
