"""The NASA Team (NT) sea-ice concentration algorithm (Cavalieri et al. 1984) in JAX.

``nasa_team_raw`` returns total, first-year and multiyear concentration (%) unclipped, the form
in which the NT algorithm is defined; ``nasa_team`` returns the total clipped to 0-100 %. Both are
pure functions of the three TB arrays (any broadcastable shapes) and the tie points, which enter
the jitted kernel only as a ``(3, 4)`` coefficient array (no recompilation per tie-point set).

Invalid brightness temperatures (NaN, <= 0 K, > 350 K) give NaN SIC at that element, never a
silent number; inputs whose shapes do not broadcast, or that hold no valid element at all, are a
:class:`~seaice_jax.errors.SeaIceError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np

from seaice_jax.errors import SeaIceError
from seaice_jax.pm.tiepoints import nt_coefficients

TB_MIN_K, TB_MAX_K = 0.0, 350.0
TiePointsArg = str | os.PathLike | Mapping


def valid_tb(*tbs: jax.Array) -> jax.Array:
    """True where every TB is finite and physical, 0 K < TB <= 350 K (broadcast shape)."""
    ok = jnp.asarray(True)
    for tb in tbs:
        ok = ok & jnp.isfinite(tb) & (tb > TB_MIN_K) & (tb <= TB_MAX_K)
    return ok


def ratio(a: jax.Array, b: jax.Array) -> jax.Array:
    """Normalised difference ``(a - b) / (a + b)``: PR(19) = ratio(19V, 19H), GR = ratio(37V, 19V)."""
    return (a - b) / (a + b)


@jax.jit
def _nt_kernel(tb19v, tb19h, tb37v, coef):
    tb19v, tb19h, tb37v = (jnp.asarray(t, jnp.float32) for t in (tb19v, tb19h, tb37v))
    ok = valid_tb(tb19v, tb19h, tb37v)
    # Double where: invalid elements never reach the ratios (no inf/NaN warnings or gradients).
    safe = [jnp.where(ok, t, 200.0) for t in (tb19v, tb19h, tb37v)]
    pr = ratio(safe[0], safe[1])
    gr = ratio(safe[2], safe[0])
    terms = jnp.stack([jnp.ones_like(pr), pr, gr, pr * gr])  # (4, ...)
    d, nf, nm = (jnp.tensordot(coef[i].astype(jnp.float32), terms, axes=1) for i in range(3))
    fy = 100.0 * nf / d
    my = 100.0 * nm / d
    nan = jnp.float32(jnp.nan)
    fy, my = jnp.where(ok, fy, nan), jnp.where(ok, my, nan)
    return fy + my, fy, my


def _prepare(tb19v, tb19h, tb37v, tiepoints: TiePointsArg):
    arrs = [jnp.asarray(t) for t in (tb19v, tb19h, tb37v)]
    try:
        shape = jnp.broadcast_shapes(*(a.shape for a in arrs))
    except ValueError:
        shapes = ", ".join(str(a.shape) for a in arrs)
        raise SeaIceError(f"nasa_team: TB shapes {shapes} (19V, 19H, 37V) do not match") from None
    if 0 in shape:
        raise SeaIceError("nasa_team: empty TB arrays")
    coef = jnp.asarray(nt_coefficients(tiepoints), jnp.float32)
    return arrs, coef


def _check_any_valid(total: jax.Array) -> None:
    # Only on concrete arrays: inside a caller's jit there is nothing to check without a sync.
    if not isinstance(total, jax.core.Tracer) and not bool(jnp.isfinite(total).any()):
        raise SeaIceError("nasa_team: no valid brightness temperature (all NaN, <= 0 K or > 350 K)")


def nasa_team_raw(
    tb19v: jax.Array, tb19h: jax.Array, tb37v: jax.Array, *, tiepoints: TiePointsArg = "amsr2"
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """NT total, first-year and multiyear ice concentration, unclipped (Cavalieri et al. 1984).

    Args:
      tb19v, tb19h, tb37v: brightness temperatures (K), broadcastable shapes ``S``; for AMSR2
        the 18.7 GHz V/H and 36.5 GHz V channels.
      tiepoints: a table name (``"amsr2"``, ``"ssmis"``, ``"ssmi_f13"``, ...), a JSON file, or a
        mapping ``{"19h"|"19v"|"37v": {"ow"|"fy"|"my": K}}``.

    Returns:
      ``(total, fy, my)``, each float32 of shape ``S`` in %, NaN where any TB is invalid.

    Raises:
      SeaIceError: shapes that do not broadcast, empty input, no valid TB, bad tie points.
    """
    arrs, coef = _prepare(tb19v, tb19h, tb37v, tiepoints)
    total, fy, my = _nt_kernel(*arrs, coef)
    _check_any_valid(total)
    return total, fy, my


def nasa_team(
    tb19v: jax.Array, tb19h: jax.Array, tb37v: jax.Array, *, tiepoints: TiePointsArg = "amsr2"
) -> jax.Array:
    """NT total sea-ice concentration in %, clipped to [0, 100]; NaN where the TBs are invalid.

    Args and raises as :func:`nasa_team_raw`. Returns float32 of the broadcast shape ``S``.
    """
    total, _, _ = nasa_team_raw(tb19v, tb19h, tb37v, tiepoints=tiepoints)
    return jnp.clip(total, 0.0, 100.0)


def nasa_team_numpy(tb19v, tb19h, tb37v, *, tiepoints: TiePointsArg = "amsr2") -> np.ndarray:
    """The NT total in plain NumPy (float64, unclipped): the baseline of ``benchmarks/nasateam``."""
    a, b, c = nt_coefficients(tiepoints)
    v, h, v37 = (np.asarray(t, np.float64) for t in (tb19v, tb19h, tb37v))
    pr, gr = (v - h) / (v + h), (v37 - v) / (v37 + v)
    terms = (1.0, pr, gr, pr * gr)
    d = sum(k * t for k, t in zip(a, terms, strict=True))
    num = sum((kf + km) * t for kf, km, t in zip(b, c, terms, strict=True))
    bad = ~((v > 0) & (v <= 350) & (h > 0) & (h <= 350) & (v37 > 0) & (v37 <= 350))
    return np.where(bad, np.nan, 100.0 * num / d)
