"""The high-resolution transformer that pan-sharpens NASA Team SIC (flax.nnx).

Shape of the network (U-Net-like, Restormer-style blocks, see ``docs/sic.md``):

    x (B,H,W,C) -> full-resolution conv stem ───────────────────────────────┐ (full-res skip)
                -> level 1 (H/2):  channel-attention blocks ─────────────┐  │
                -> level 2 (H/4):  channel-attention blocks ──────────┐  │  │
                -> ...                                                │  │  │
                -> bottleneck (H/2^L): windowed spatial attention     │  │  │
                <- decoder: upsample + skip + blocks at each level ◄──┘◄─┘  │
                <- full-resolution refinement (conv blocks on stem + up) ◄──┘
                -> 1 x 1 conv -> sigmoid -> SIC fraction (B,H,W)

Why: a 1-2 px lead or a sharp ice edge at 200 m is lost by any encoder that starts with a
strided patch embedding (ViT/Swin patchify at 4 px); keeping a stem and a refinement at full
resolution with a skip between them lets the decoder re-insert those edges, while the attention
levels give the wide context that decides ice vs. water where the backscatter is ambiguous
(wind-roughened water vs. ice). ``full_res=False`` (the ablation) drops the stem skip and the
refinement: the output is predicted at H/2 and bilinearly upsampled.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

from seaice_jax.models.blocks import ConvBlock, TransformerBlock, patch_down, patch_up, pointwise


class HighResTransformer(nnx.Module):
    """Multi-scale transformer with full-resolution stem, skips and refinement.

    Args:
      in_channels: number of input channels C.
      stem: channels of the full-resolution stem/refinement.
      dims: channels per transformer level (level i runs at H / 2**(i+1)).
      depths: blocks per level (encoder; the decoder uses one block per level).
      heads: attention heads per level.
      window: window side of the spatial attention at the coarsest level (0: channel attention
        there too).
      expansion: FFN expansion ratio.
      full_res: keep the full-resolution skip and refinement (False: ablation).
      rngs: flax random streams.
    """

    def __init__(
        self,
        in_channels: int,
        *,
        stem: int,
        dims: tuple[int, ...],
        depths: tuple[int, ...],
        heads: tuple[int, ...],
        window: int = 8,
        expansion: float = 2.0,
        full_res: bool = True,
        rngs: nnx.Rngs,
    ):
        if not (len(dims) == len(depths) == len(heads)) or not dims:
            raise ValueError("dims, depths and heads must be non-empty and of equal length")
        self.full_res = full_res
        self.levels = len(dims)
        self.window = window
        self.stem = ConvBlock(in_channels, stem, rngs=rngs)
        downs, encs, ups, fuses, decs = [], [], [], [], []
        prev = stem
        last = len(dims) - 1
        for i, (d, n, h) in enumerate(zip(dims, depths, heads, strict=True)):
            downs.append(nnx.Conv(prev, d, (2, 2), strides=(2, 2), padding="VALID", rngs=rngs))
            win = window if i == last else 0
            blocks = [
                TransformerBlock(d, h, window=win, expansion=expansion, rngs=rngs) for _ in range(n)
            ]
            encs.append(nnx.List(blocks))
            prev = d
        for i in range(last, 0, -1):
            d, lo = dims[i - 1], dims[i]
            ups.append(nnx.ConvTranspose(lo, d, (2, 2), strides=(2, 2), rngs=rngs))
            fuses.append(nnx.Conv(2 * d, d, (1, 1), rngs=rngs))
            decs.append(TransformerBlock(d, heads[i - 1], window=0, expansion=expansion, rngs=rngs))
        self.downs, self.encs = nnx.List(downs), nnx.List(encs)
        self.ups, self.fuses, self.decs = nnx.List(ups), nnx.List(fuses), nnx.List(decs)
        if full_res:
            self.up0 = nnx.ConvTranspose(dims[0], stem, (2, 2), strides=(2, 2), rngs=rngs)
            self.refine = nnx.List(
                [ConvBlock(2 * stem, stem, rngs=rngs), ConvBlock(stem, stem, rngs=rngs)]
            )
            self.head = nnx.Conv(stem, 1, (1, 1), rngs=rngs)
        else:
            self.head = nnx.Conv(dims[0], 1, (1, 1), rngs=rngs)

    @property
    def stride(self) -> int:
        """Total down-sampling factor: H and W must be multiples of it."""
        return 2**self.levels

    @property
    def pad_multiple(self) -> int:
        """A size that always works: the stride times the bottleneck window (inference pads to
        it; training tiles need only the stride when the bottleneck map divides the window)."""
        return 2**self.levels * max(self.window, 1)

    def __call__(self, x: jax.Array) -> jax.Array:
        """Map ``(B, H, W, C)`` inputs to ``(B, H, W)`` SIC fractions in [0, 1]."""
        return jax.nn.sigmoid(self.logits(x))

    def logits(self, x: jax.Array) -> jax.Array:
        """The pre-sigmoid output ``(B, H, W)`` (training keeps it in range, see losses.py)."""
        b, h, w, _ = x.shape
        if h % self.stride or w % self.stride:
            raise ValueError(f"tile {h}x{w} is not a multiple of the model stride {self.stride}")
        # No normalisation over the channel axis here: with 2-3 input channels a per-pixel
        # LayerNorm would erase the backscatter / brightness-temperature level that separates ice
        # from water; the inputs arrive already standardised per channel (data.inputs.normalise).
        f0 = self.stem(x)
        skips, y = [], f0
        for down, blocks in zip(self.downs, self.encs, strict=True):
            y = patch_down(y, down)
            for blk in blocks:
                y = blk(y)
            skips.append(y)
        for j, (up, fuse, dec) in enumerate(zip(self.ups, self.fuses, self.decs, strict=True)):
            skip = skips[-2 - j]
            y = dec(pointwise(jnp.concatenate([patch_up(y, up), skip], axis=-1), fuse))
        if self.full_res:
            y = jnp.concatenate([patch_up(y, self.up0), f0], axis=-1)
            for blk in self.refine:
                y = blk(y)
            logits = pointwise(y, self.head)[..., 0]
        else:
            logits = pointwise(y, self.head)[..., 0]
            logits = jax.image.resize(logits, (b, h, w), method="bilinear")
        return logits
