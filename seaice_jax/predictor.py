"""A trained SIC model ready for inference: ``load_predictor(workdir) -> Predictor``.

The one way to load a trained model. It restores the parameters only (the best-validation ones
or those of the latest readable checkpoint; no optimizer is built to read them) and carries what
inference needs besides the weights: the input channel names, the normalisation statistics the
model was trained with, the tile size, and the cross-correlation window.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr
from flax import nnx

from seaice_jax.data.inputs import input_stack, model_channels, normalise
from seaice_jax.errors import SeaIceError
from seaice_jax.models import create_model
from seaice_jax.train.checkpoint import BestParams, Checkpointer
from seaice_jax.train.step import flatten_params, nest_params


class Predictor:
    """Inference with a trained model.

    Attributes:
      inputs: input channel names, in order (e.g. ``["hh", "hv", "xcorr"]``).
      tile_size: the training tile side (px); a good inference tile.
      model_kind: ``s1``, ``rcm`` or ``amsr2``.
    """

    def __init__(self, graphdef: nnx.GraphDef, params: dict, info: dict):
        self.inputs = list(info["channels"])
        self.tile_size = int(info["tile"])
        self.model_kind = info["model_kind"]
        self.stats = info["stats"]
        self.window = int(info["xcorr_window"])
        self.step = info.get("step")  # the training step whose parameters these are
        self._params = params
        self._stride = nnx.merge(graphdef, nest_params(params)).pad_multiple
        self._fwd = jax.jit(lambda p, x: nnx.merge(graphdef, nest_params(p))(x))

    def predict(self, x: np.ndarray | jax.Array) -> np.ndarray:
        """SIC in % for normalised inputs.

        Args:
          x: ``(B, H, W, C)`` normalised inputs (:meth:`normalise`); any H, W (edge-padded to
            the model stride internally).

        Returns:
          ``(B, H, W)`` float32 SIC in % (0-100).
        """
        x = jnp.asarray(x, jnp.float32)
        if x.ndim != 4 or x.shape[-1] != len(self.inputs):
            raise SeaIceError(
                f"predict: expected (B, H, W, {len(self.inputs)}) inputs, got {x.shape}"
            )
        b, h, w, _ = x.shape
        ph, pw = (-h) % self._stride, (-w) % self._stride
        xp = jnp.pad(x, ((0, 0), (0, ph), (0, pw), (0, 0)), mode="edge")
        return np.asarray(self._fwd(self._params, xp)[:, :h, :w] * 100.0, np.float32)

    def normalise(self, ds: xr.Dataset) -> np.ndarray:
        """A scene's model inputs (cross-correlation computed for SAR), normalised.

        Args:
          ds: a scene with the standard variables (``hh``, ``hv`` or ``tb_89_0h``, ``tb_89_0v``).

        Returns:
          ``(H, W, C)`` float32, finite (missing pixels set to 0, the training mean).
        """
        x = input_stack(ds, self.model_kind, name="scene", window=self.window)
        all_chans = model_channels(self.model_kind)
        x = x[..., [all_chans.index(c) for c in self.inputs]]  # a model trained on a subset
        return normalise(x, self.inputs, self.stats)


def load_predictor(workdir: str | os.PathLike) -> Predictor:
    """Restore a training folder's model: the best-validation parameters when the run kept
    them (``keep_best``), else those of the latest readable checkpoint.

    Args:
      workdir: the ``--workdir`` of ``seaice-jax train``.

    Returns:
      A :class:`Predictor`.

    Raises:
      SeaIceError: not a training folder, or no readable checkpoint.
    """
    workdir = Path(workdir)
    try:
        info = json.loads((workdir / "predictor.json").read_text())
    except (OSError, ValueError) as e:
        raise SeaIceError(f"{workdir}: not a training folder ({e})") from None
    model = create_model(
        info["variant"], len(info["channels"]), rngs=nnx.Rngs(0), full_res=info["full_res"]
    )
    graphdef, params = flatten_params(model)
    abstract = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), params)
    if info.get("weights") == "best_validation" and (workdir / "best").is_dir():
        best = BestParams(workdir)
        try:
            got = best.restore(abstract)
        finally:
            best.close()
        if got is not None:
            return Predictor(graphdef, got[1], {**info, "step": got[0]})
    ckpt = Checkpointer(workdir)
    try:
        restored = ckpt.restore_params(abstract)
    finally:
        ckpt.close()
    if restored is None:
        raise SeaIceError(f"{workdir}: no readable checkpoint")
    return Predictor(graphdef, restored[1], {**info, "step": restored[0]})
