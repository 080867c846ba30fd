"""Checkpoints: one Orbax ``CheckpointManager`` for the train state and the data iterator.

Each checkpoint step holds three items saved together: ``state`` (parameters, optimizer state,
step: a pytree), ``data`` (the grain iterator state, JSON) and ``meta`` (loop bookkeeping such as
the best validation L1 so far, JSON). Resuming restores all three, so the resumed run sees the
same batches and produces the same losses as an uninterrupted one. A latest checkpoint that
cannot be read (a crash during the write, a truncated file) is reported with a warning and the
previous one is used.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np
import orbax.checkpoint as ocp


class CorruptCheckpointWarning(UserWarning):
    """A checkpoint step could not be restored; an earlier one is used."""


class Checkpointer:
    """Save/restore ``(state, data_state, meta)`` under ``workdir/checkpoints``.

    Args:
      workdir: the training folder.
      max_to_keep: how many recent checkpoints to keep (>= 2 so a corrupt latest has a fallback).
    """

    def __init__(self, workdir: str | os.PathLike, *, max_to_keep: int = 3):
        self.directory = Path(workdir).absolute() / "checkpoints"
        options = ocp.CheckpointManagerOptions(
            max_to_keep=max(2, max_to_keep),
            create=True,
            # Synchronous: the loop saves rarely, and a finished save is what makes a kill safe.
            enable_async_checkpointing=False,
        )
        self.manager = ocp.CheckpointManager(
            self.directory, options=options, item_names=("state", "data", "meta")
        )

    def _what(self, step: int) -> str:
        return f"checkpoint step {step} in {self.directory}"

    def steps(self) -> list[int]:
        return sorted(self.manager.all_steps())

    def latest_step(self) -> int | None:
        s = self.steps()
        return s[-1] if s else None

    def save(self, step: int, state: Any, data_state: dict, meta: dict) -> None:
        """Save the three items for ``step`` and wait until they are on disk."""
        if step in self.manager.all_steps():
            # Only a corrupt checkpoint that restore_latest skipped is reached again: replace it
            # (orbax refuses to save over an existing step, even with force=True).
            self.manager.delete(step)
        self.manager.save(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(state),
                data=ocp.args.JsonSave(data_state),
                meta=ocp.args.JsonSave(meta),
            ),
            force=True,
        )
        self.manager.wait_until_finished()

    def restore_latest(self, abstract_state: Any) -> tuple[int, Any, dict, dict] | None:
        """Restore the newest readable checkpoint.

        Args:
          abstract_state: a pytree of the state's structure (arrays or ``ShapeDtypeStruct``
            with shardings) to restore into.

        Returns:
          ``(step, state, data_state, meta)``, or None when there is no readable checkpoint.
        """
        args = ocp.args.Composite(
            state=ocp.args.StandardRestore(abstract_state),
            data=ocp.args.JsonRestore(),
            meta=ocp.args.JsonRestore(),
        )
        got = _restore_newest(self.manager, args, self._what)
        if got is None:
            return None
        step, r = got
        return step, r["state"], dict(r["data"]), dict(r["meta"])

    def restore_params(self, abstract_params: Any) -> tuple[int, Any] | None:
        """Only the parameters of the newest readable checkpoint (no optimizer state needed).

        Args:
          abstract_params: the flat parameter dict's structure (``ShapeDtypeStruct`` leaves).

        Returns:
          ``(step, params)`` with NumPy leaves, or None when there is no readable checkpoint.
        """
        restore_args = jax.tree.map(
            lambda _: ocp.RestoreArgs(restore_type=np.ndarray), abstract_params
        )
        args = ocp.args.Composite(
            state=ocp.args.PyTreeRestore(
                item={"params": abstract_params},
                restore_args={"params": restore_args},
                partial_restore=True,
            )
        )
        got = _restore_newest(self.manager, args, self._what)
        return None if got is None else (got[0], got[1]["state"]["params"])

    def close(self) -> None:
        self.manager.close()


class BestParams:
    """The parameters of the step with the best validation L1, under ``workdir/best``.

    The paper keeps the epoch with the lowest validation L1 (its Table 1); with few training
    scenes (the ``:cpu`` runs) the last step can be overfitted. Only one step is kept; Orbax
    finalises the new one before it deletes the old, so a kill leaves one readable copy.
    """

    def __init__(self, workdir: str | os.PathLike):
        self.directory = Path(workdir).absolute() / "best"
        options = ocp.CheckpointManagerOptions(
            max_to_keep=1, create=True, enable_async_checkpointing=False
        )
        self.manager = ocp.CheckpointManager(
            self.directory, options=options, item_names=("params", "meta")
        )

    def save(self, step: int, params: Any, meta: dict) -> None:
        """Save ``params`` of ``step`` (replacing the previous best) and wait for the disk."""
        if step in self.manager.all_steps():
            self.manager.delete(step)
        self.manager.save(
            step,
            args=ocp.args.Composite(
                params=ocp.args.StandardSave(params), meta=ocp.args.JsonSave(meta)
            ),
            force=True,
        )
        self.manager.wait_until_finished()

    def restore(self, abstract_params: Any) -> tuple[int, Any, dict] | None:
        """``(step, params, meta)`` of the best step, or None when there is none readable."""
        args = ocp.args.Composite(
            params=ocp.args.StandardRestore(abstract_params), meta=ocp.args.JsonRestore()
        )
        what = lambda step: f"best-validation parameters {step} in {self.directory}"  # noqa: E731
        got = _restore_newest(self.manager, args, what, fallback="the latest checkpoint")
        if got is None:
            return None
        step, r = got
        return step, r["params"], dict(r["meta"])

    def close(self) -> None:
        self.manager.close()


def _restore_newest(
    manager: ocp.CheckpointManager,
    args: ocp.args.Composite,
    what: Callable[[int], str],
    fallback: str = "the previous one",
) -> tuple[int, Any] | None:
    """``(step, restored items)`` of the newest step ``manager`` can restore with ``args``.

    A step that cannot be read (``what(step)`` names it) is reported with a
    :class:`CorruptCheckpointWarning` and the next older one is tried.
    """
    for step in sorted(manager.all_steps(), reverse=True):
        try:
            return step, manager.restore(step, args=args)
        except Exception as e:  # noqa: BLE001 - any read failure means "corrupt"
            warnings.warn(
                f"{what(step)} cannot be restored "
                f"({type(e).__name__}: {str(e)[:200]}); using {fallback}",
                CorruptCheckpointWarning,
                stacklevel=3,
            )
    return None
