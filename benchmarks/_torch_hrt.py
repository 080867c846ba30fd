"""The high-resolution transformer and its train step in PyTorch, layer for layer.

A twin of :mod:`seaice_jax.models.hrt` / :mod:`seaice_jax.models.blocks` (same modules, same
names, same shapes, same parameter count: ``benchmarks/train_step.py`` asserts it and the bench
test checks the forward pass numerically after copying the JAX weights in with
:func:`load_from_nnx`), written the way PyTorch SIC codebases (AI4Arctic-style U-Nets, Restormer)
are: NCHW maps, ``nn.Conv2d``, LayerNorm over channels by permuting. The step is the JAX one:
weighted masked L1 (double where), global-norm clipping, AdamW.

This module is private to the benchmarks (leading underscore: ``seaice-jax bench`` skips it).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# flax defaults the twin must match: LayerNorm epsilon 1e-6, GELU tanh approximation.
LN_EPS = 1e-6


def _gelu(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x, approximate="tanh")


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channel axis of an NCHW map (flax ``nnx.LayerNorm`` on NHWC)."""

    def __init__(self, dim: int):
        super().__init__(dim, eps=LN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


def _conv(cin: int, cout: int, k: int, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, padding=k // 2, groups=groups)  # odd k: "SAME"


class ChannelAttention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm = LayerNorm2d(dim)
        self.qkv = _conv(dim, 3 * dim, 1)
        self.dw = _conv(3 * dim, 3 * dim, 3, groups=3 * dim)
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))
        self.proj = _conv(dim, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q, k, v = self.dw(self.qkv(self.norm(x))).chunk(3, dim=1)
        q, k, v = (t.reshape(b, self.heads, c // self.heads, h * w) for t in (q, k, v))
        q = q / (q.norm(dim=-1, keepdim=True) + 1e-6)
        k = k / (k.norm(dim=-1, keepdim=True) + 1e-6)
        attn = torch.softmax(q @ k.transpose(-1, -2) * self.temperature, dim=-1)
        return x + self.proj((attn @ v).reshape(b, c, h, w))


class WindowAttention(nn.Module):
    def __init__(self, dim: int, heads: int, window: int):
        super().__init__()
        self.heads, self.window = heads, window
        self.norm = nn.LayerNorm(dim, eps=LN_EPS)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        s = min(self.window, h, w)
        t = self.norm(x.permute(0, 2, 3, 1))  # NHWC
        t = t.reshape(b, h // s, s, w // s, s, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, s * s, c)
        d = c // self.heads
        q, k, v = (
            z.reshape(z.shape[0], s * s, self.heads, d).transpose(1, 2)
            for z in self.qkv(t).chunk(3, dim=-1)
        )
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)
        o = self.proj((att @ v).transpose(1, 2).reshape(-1, s * s, c))
        o = o.reshape(b, h // s, w // s, s, s, c).permute(0, 1, 3, 2, 4, 5).reshape(b, h, w, c)
        return x + o.permute(0, 3, 1, 2)


class GatedFFN(nn.Module):
    def __init__(self, dim: int, expansion: float):
        super().__init__()
        hidden = max(int(dim * expansion), 4)
        self.norm = LayerNorm2d(dim)
        self.inp = _conv(dim, 2 * hidden, 1)
        self.dw = _conv(2 * hidden, 2 * hidden, 3, groups=2 * hidden)
        self.out = _conv(hidden, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, g = self.dw(self.inp(self.norm(x))).chunk(2, dim=1)
        return x + self.out(_gelu(a) * g)


class TransformerBlock(nn.Module):
    def __init__(self, dim: int, heads: int, *, window: int, expansion: float):
        super().__init__()
        self.attn = (
            WindowAttention(dim, heads, window) if window > 0 else ChannelAttention(dim, heads)
        )
        self.ffn = GatedFFN(dim, expansion)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ffn(self.attn(x))


class ConvBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.c1 = _conv(cin, cout, 3)
        self.c2 = _conv(cout, cout, 3)
        self.skip = _conv(cin, cout, 1) if cin != cout else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.c2(_gelu(self.c1(x)))
        return _gelu(y + (self.skip(x) if self.skip is not None else x))


class HighResTransformer(nn.Module):
    """``(B, C, H, W) -> (B, H, W)`` SIC fraction; arguments as the nnx model (full_res only)."""

    def __init__(self, in_channels, *, stem, dims, depths, heads, window=8, expansion=2.0):
        super().__init__()
        self.stem = ConvBlock(in_channels, stem)
        self.downs, self.encs = nn.ModuleList(), nn.ModuleList()
        self.ups, self.fuses, self.decs = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        prev, last = stem, len(dims) - 1
        for i, (d, n, h) in enumerate(zip(dims, depths, heads, strict=True)):
            self.downs.append(nn.Conv2d(prev, d, 2, stride=2))
            win = window if i == last else 0
            blocks = [TransformerBlock(d, h, window=win, expansion=expansion) for _ in range(n)]
            self.encs.append(nn.ModuleList(blocks))
            prev = d
        for i in range(last, 0, -1):
            d, lo = dims[i - 1], dims[i]
            self.ups.append(nn.ConvTranspose2d(lo, d, 2, stride=2))
            self.fuses.append(_conv(2 * d, d, 1))
            self.decs.append(TransformerBlock(d, heads[i - 1], window=0, expansion=expansion))
        self.up0 = nn.ConvTranspose2d(dims[0], stem, 2, stride=2)
        self.refine = nn.ModuleList([ConvBlock(2 * stem, stem), ConvBlock(stem, stem)])
        self.head = _conv(stem, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(x))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        f0 = self.stem(x)
        skips, y = [], f0
        for down, blocks in zip(self.downs, self.encs, strict=True):
            y = down(y)
            for blk in blocks:
                y = blk(y)
            skips.append(y)
        for j, (up, fuse, dec) in enumerate(zip(self.ups, self.fuses, self.decs, strict=True)):
            y = dec(fuse(torch.cat([up(y), skips[-2 - j]], dim=1)))
        y = torch.cat([self.up0(y), f0], dim=1)
        for blk in self.refine:
            y = blk(y)
        return self.head(y)[:, 0]


def weighted_l1(pred, target, weight, mask) -> torch.Tensor:
    """``sum(w |p - t|) / sum(w)`` over valid pixels, double-where masked (as the JAX loss)."""
    mask = mask & torch.isfinite(target) & torch.isfinite(weight)
    zero = torch.zeros((), dtype=pred.dtype)
    target, weight = torch.where(mask, target, zero), torch.where(mask, weight, zero)
    pred = torch.where(mask, pred, zero)
    err = torch.where(mask, (pred - target).abs(), zero)
    total = weight.sum()
    return (weight * err).sum() / torch.where(total > 0, total, torch.ones_like(total))


def logit_range_penalty(z, mask, bound: float = 6.0) -> torch.Tensor:
    """Mean over valid pixels of ``max(|z| - bound, 0)`` (as the JAX loss term)."""
    excess = torch.where(mask, (z.abs() - bound).clamp(min=0.0), torch.zeros((), dtype=z.dtype))
    return excess.sum() / mask.sum().clamp(min=1)


def make_train_step(
    model: nn.Module,
    *,
    lr: float,
    weight_decay: float,
    clip_norm: float,
    logit_penalty: float = 1.0,
    logit_bound: float = 6.0,
):
    """``step(batch) -> loss``: forward, weighted L1 + logit range penalty, backward, clip,
    AdamW (in place)."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay, eps=1e-8)

    def step(batch: dict[str, torch.Tensor]) -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        z = model.logits(batch["x"])
        loss = weighted_l1(torch.sigmoid(z), batch["target"], batch["weight"], batch["mask"])
        if logit_penalty > 0:
            loss = loss + logit_penalty * logit_range_penalty(z, batch["mask"], logit_bound)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
        opt.step()
        return loss.detach()

    return step


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def load_from_nnx(model: nn.Module, flat: dict[str, np.ndarray]) -> None:
    """Copy nnx parameters (``{"encs/0/0/attn/qkv/kernel": array}``) into the twin.

    Conv kernels go from flax ``(kh, kw, in, out)`` to torch ``(out, in, kh, kw)``; transposed
    conv kernels to ``(in, out, kh, kw)``, spatially flipped (lax.conv_transpose does not flip,
    PyTorch's transposed convolution is the true adjoint); Linear kernels are transposed.
    """
    params = dict(model.named_parameters())
    for key, arr in flat.items():
        parts = key.split("/")
        leaf = {"kernel": "weight", "scale": "weight"}.get(parts[-1], parts[-1])
        name = ".".join([*parts[:-1], leaf])
        if name not in params:
            raise KeyError(f"{key}: no parameter {name} in the PyTorch twin")
        a = np.asarray(arr, np.float32)
        mod = model.get_submodule(".".join(parts[:-1]))
        if parts[-1] == "kernel" and isinstance(mod, nn.ConvTranspose2d):
            a = a[::-1, ::-1].transpose(2, 3, 0, 1)
        elif parts[-1] == "kernel" and isinstance(mod, nn.Conv2d):
            a = a.transpose(3, 2, 0, 1)
        elif parts[-1] == "kernel":
            a = a.T
        p = params[name]
        if tuple(a.shape) != tuple(p.shape):
            raise ValueError(f"{key}: shape {a.shape} != {tuple(p.shape)}")
        with torch.no_grad():
            p.copy_(torch.from_numpy(np.array(a, np.float32, order="C")))
