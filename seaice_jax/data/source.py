"""Grain tile pipeline over prepared scenes.

:class:`TileSource` is a random-access source (``__len__``/``__getitem__``) of ``tile x tile``
windows with a configurable stride over many prepared scenes, read through ``np.load(...,
mmap_mode="r")`` so only the touched pages of a scene are read. Tiles whose loss mask is empty
(land, outside the swath, no NT) are left out of the index: they are never trained on.

:func:`make_dataset` builds ``MapDataset.source(...).seed().shuffle()`` -> per-host slice ->
flips/rot90 augmentation -> ``batch(drop_remainder=True)`` -> ``repeat()`` (re-shuffled each
epoch); its iterator's ``get_state()``/``set_state()`` are checkpointed with the model.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import grain
import numpy as np

from seaice_jax.data.inputs import normalise
from seaice_jax.data.prepare import read_index
from seaice_jax.errors import SeaIceError


def _origins(n: int, tile: int, stride: int) -> list[int]:
    """Tile origins along one axis; the last tile is flush with the edge so nothing is dropped."""
    if n < tile:
        return []
    o = list(range(0, n - tile + 1, stride))
    if o[-1] != n - tile:
        o.append(n - tile)
    return o


class TileSource:
    """Random access to the tiles of prepared scenes.

    Args:
      prep_dir: a prepared folder (``index.json``).
      split: ``train``, ``val`` or ``all``.
      tile: tile side (px).
      stride: step between tile origins (px).
      stats: per-channel normalisation; default the statistics in ``index.json``.
      channels: the input channels to use, a subset of the prepared ones (ablations, e.g. without
        ``xcorr``); default all.
    """

    def __init__(
        self,
        prep_dir: str | os.PathLike,
        split: str = "train",
        *,
        tile: int = 256,
        stride: int = 256,
        stats: Mapping | None = None,
        channels: Sequence[str] | None = None,
    ):
        index = read_index(prep_dir)
        have = list(index["channels"])
        self.channels = list(channels) if channels else have
        unknown = [c for c in self.channels if c not in have]
        if unknown:
            raise SeaIceError(f"{prep_dir}: channels {unknown} not prepared (has {have})")
        self._chan_idx = [have.index(c) for c in self.channels]
        self.stats = dict(stats or index["stats"])
        self.tile = tile
        scenes = [s for s in index["scenes"] if split == "all" or s["split"] == split]
        self.scene_names = [s["name"] for s in scenes]
        self.dates = sorted({s["date"] for s in scenes})
        root = Path(prep_dir)
        self._arrays = []
        self._index: list[tuple[int, int, int]] = []
        for k, s in enumerate(scenes):
            sdir = root / s["dir"]
            arrs = {
                n: np.load(sdir / f"{n}.npy", mmap_mode="r")
                for n in ("inputs", "target", "weight", "mask")
            }
            self._arrays.append(arrs)
            mask = arrs["mask"]
            h, w = mask.shape
            for r in _origins(h, tile, stride):
                for c in _origins(w, tile, stride):
                    if mask[r : r + tile, c : c + tile].any():  # all-masked tiles skipped
                        self._index.append((k, r, c))

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, i: int) -> dict[str, np.ndarray]:
        k, r, c = self._index[i]
        a, t = self._arrays[k], self.tile
        win = (slice(r, r + t), slice(c, c + t))
        mask = np.asarray(a["mask"][win]) > 0
        return {
            "x": np.where(
                mask[..., None],
                normalise(a["inputs"][win][..., self._chan_idx], self.channels, self.stats),
                0.0,
            ),
            "target": np.where(mask, a["target"][win], 0.0).astype(np.float32),
            "weight": np.where(mask, a["weight"][win], 0.0).astype(np.float32),
            "mask": mask,
        }


def augment(element: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random rot90 (k in 0..3) and horizontal flip, the same for every array of the tile.

    SIC has no preferred orientation on a polar-stereographic tile, so the 8 dihedral transforms
    are label-preserving.
    """
    k = int(rng.integers(4))
    flip = bool(rng.integers(2))
    out = {}
    for name, a in element.items():
        b = np.rot90(a, k, axes=(0, 1))
        out[name] = np.ascontiguousarray(b[:, ::-1] if flip else b)
    return out


def make_dataset(
    source: TileSource,
    *,
    batch_size: int,
    seed: int,
    shuffle: bool = True,
    augment_tiles: bool = True,
    repeat: bool = True,
    process_index: int = 0,
    process_count: int = 1,
) -> grain.MapDataset:
    """The grain pipeline over ``source`` (per host: this host's slice, its share of the batch).

    Args:
      source: the tile source.
      batch_size: per-host batch size.
      seed: shuffle/augmentation seed.
      shuffle, augment_tiles, repeat: training (True) or evaluation (False) behaviour.
      process_index, process_count: this host's slice (``jax.process_index()/count()``).

    Returns:
      A ``MapDataset`` of batches ``{"x": (B,T,T,C), "target", "weight": (B,T,T), "mask"}``.
    """
    if len(source) == 0:
        raise SeaIceError("tile source is empty: no tile with a valid pixel in these scenes")
    ds = grain.MapDataset.source(source).seed(seed)
    if shuffle:
        ds = ds.shuffle()
    ds = ds[process_index::process_count]
    if augment_tiles:
        ds = ds.random_map(augment)
    if len(ds) < batch_size:
        raise SeaIceError(f"{len(ds)} tiles per host is fewer than batch_size={batch_size}")
    ds = ds.batch(batch_size, drop_remainder=True)
    return ds.repeat() if repeat else ds


def iterator(ds: grain.MapDataset, threads: int = 2) -> grain.DatasetIterator:
    """A checkpointable iterator (``get_state``/``set_state``) with light read-ahead."""
    opts = grain.ReadOptions(num_threads=threads, prefetch_buffer_size=4)
    return iter(ds.to_iter_dataset(read_options=opts))


def batches_per_epoch(source: TileSource, batch_size: int, process_count: int = 1) -> int:
    """Whole batches in one pass over ``source`` on one host."""
    return (len(source) // process_count) // batch_size


def tile_count(sources: Sequence[TileSource]) -> int:
    return sum(len(s) for s in sources)
