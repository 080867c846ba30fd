"""The prepared data of a training run: a given folder, or cases simulated and prepared for it.

A SIC training config names its data in ``data``: an already prepared folder
(``data.prepared_dir``), or sources to prepare into ``WORKDIR/prepared``: ``data.sources`` plus
one simulated case per seed of ``data.sim_seeds`` from the simulator config ``data.sim_config``
(simulated into ``WORKDIR/sim/seed<N>``). Training itself (``seaice_jax.train.loop``) only reads
the prepared folder this returns.
"""

from __future__ import annotations

from pathlib import Path

import jax
import ml_collections
from jax.experimental import multihost_utils

from seaice_jax.config import get as get_config
from seaice_jax.data.dataset import prepare_from_config
from seaice_jax.sim.case import simulate


def training_data(cfg: ml_collections.ConfigDict, workdir: Path) -> Path:
    """The prepared data folder of ``cfg``: ``data.prepared_dir``, or simulated + prepared.

    Args:
      cfg: a ``configs/sic_*.py`` config.
      workdir: the training folder (``prepared/`` and ``sim/`` are made under it).

    Returns:
      The prepared folder (``index.json`` inside). Process 0 prepares; every process waits for it.
    """
    d = cfg.data
    if d.prepared_dir:
        return Path(d.prepared_dir)
    prep = workdir / "prepared"
    # One writer; the other processes wait at the barrier below, which every process reaches.
    if jax.process_index() == 0 and not (prep / "index.json").is_file():
        sources = [Path(s) for s in d.sources]
        if d.sim_config:
            for seed in d.sim_seeds:
                out = workdir / "sim" / f"seed{seed}"
                if not (out / "case.json").is_file():
                    simulate(get_config(d.sim_config, [f"seed={seed}"]), out)
                sources.append(out)
        prepare_from_config(cfg, sources, prep)
    if jax.process_count() > 1:
        multihost_utils.sync_global_devices("seaice_jax.data.training")
    return prep
