"""Orbax checkpoints: state + data iterator + meta together; a corrupt latest one falls back."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from seaice_jax.train.checkpoint import Checkpointer, CorruptCheckpointWarning


def _state(v: float):
    return {"params": {"a/0/kernel": jnp.full((3, 2), v)}, "step": jnp.asarray(int(v), jnp.int32)}


def test_save_restore_and_corrupt_latest(tmp_path):
    ck = Checkpointer(tmp_path, max_to_keep=3)
    assert ck.restore_latest(_state(0)) is None
    ck.save(1, _state(1), {"next_index": 4}, {"best_val_l1": 0.5})
    ck.save(2, _state(2), {"next_index": 8}, {"best_val_l1": 0.4})
    step, st, data, meta = ck.restore_latest(_state(0))
    assert step == 2 and data == {"next_index": 8} and meta["best_val_l1"] == 0.4
    np.testing.assert_array_equal(st["params"]["a/0/kernel"], np.full((3, 2), 2.0))
    ck.close()
    # Corrupt every file of the latest state item (a write cut short): warn, use step 1.
    for f in (tmp_path / "checkpoints" / "2" / "state").rglob("*"):
        if f.is_file():
            f.write_bytes(b"\0garbage")
    ck = Checkpointer(tmp_path)
    with pytest.warns(CorruptCheckpointWarning, match="step 2"):
        step, st, data, _ = ck.restore_latest(_state(0))
    assert step == 1 and data == {"next_index": 4} and int(st["step"]) == 1
    ck.close()
