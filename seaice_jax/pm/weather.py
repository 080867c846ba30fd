"""Weather filters: the standard NASA Team gradient-ratio filter and the 18.7/89 GHz mask.

Both return True where the PM sea-ice signal is atmospheric (clouds, water vapour, rain over open
water) and SIC must be set to 0.

**Standard NT filter.** Open water has a steep positive spectral gradient between 19 and 37 GHz,
ice a flat or negative one; the filter flags GR(37V/19V) > 0.05 (Gloersen & Cavalieri 1986,
J. Geophys. Res. 91, 3913-3919, for SSM/I-era NT) or GR(22V/19V) > 0.045, which catches water
vapour near the 22.2 GHz line (Cavalieri, St. Germain & Swift 1995, J. Glaciol. 41, 455-464).
Per-sensor values: those of the NSIDC climate record (``pm_icecon/nt/params``: SSM/I F08-F13 and
SSMIS F17 north 0.050/0.045; SMMR 0.07 without a 22 GHz channel; NSIDC applies the F17 values to
AMSR2). For AMSR2 the 18.7, 23.8 and 36.5 GHz channels stand for 19, 22 and 37 GHz.

**18.7/89 GHz mask** (designed here; Heffring & Xu only say that 18.7 and 89 GHz are used). At
89 GHz open water is cold and strongly polarised, and cloud liquid water and vapour warm it,
reducing the polarisation difference; snow-covered ice is warm at 18.7 GHz but scatters at 89 GHz,
so its gradient ratio GR(89V/18.7V) is negative and its 89 GHz polarisation difference small
(< ~16 K). Clouds over water push GR(89V/18.7V) *up*, which keeps the ratio a robust water test
in the weather the mask is for; the 89 GHz polarisation difference PD89 = 89V - 89H adds the
clear-sky water points with weaker gradients. The mask is
``GR(89V/18.7V) > gr89_18v  or  PD89 > pd89``, thresholds fitted on the RRDP points by
``python -m seaice_jax.experiments.weather_mask_fit`` and stored in ``weather_mask_89.json``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import jax
import jax.numpy as jnp

from seaice_jax.errors import SeaIceError
from seaice_jax.pm.nasateam import ratio, valid_tb

#: Standard NT filter thresholds (GR(37V/19V), GR(22V/19V)) per sensor; sources in the docstring.
NT_WEATHER_THRESHOLDS: dict[str, tuple[float, float]] = {
    "ssmi": (0.050, 0.045),
    "ssmis": (0.050, 0.045),
    "amsr2": (0.050, 0.045),
    "amsre": (0.050, 0.045),
    "smmr": (0.070, math.inf),
}

MASK89_PATH = Path(__file__).with_name("weather_mask_89.json")


def load_mask89_thresholds(path: Path = MASK89_PATH) -> dict[str, float]:
    """The fitted thresholds ``{"gr89_18v": ..., "pd89": ...}`` of :func:`weather_mask_89`."""
    try:
        data = json.loads(Path(path).read_text())
        return {"gr89_18v": float(data["gr89_18v"]), "pd89": float(data["pd89"])}
    except (OSError, KeyError, TypeError, ValueError) as e:
        raise SeaIceError(f"{path}: cannot read 18.7/89 GHz mask thresholds ({e})") from None


#: Thresholds in use (from ``weather_mask_89.json``).
MASK89_THRESHOLDS = load_mask89_thresholds()


@jax.jit
def _nt_filter(tb19v, tb22v, tb37v, t37, t22):
    gr3719 = ratio(tb37v, tb19v)
    gr2219 = ratio(tb22v, tb19v)
    return valid_tb(tb19v, tb22v, tb37v) & ((gr3719 > t37) | (gr2219 > t22))


def nt_weather_filter(
    tb19v: jax.Array, tb22v: jax.Array, tb37v: jax.Array, *, sensor: str = "amsr2"
) -> jax.Array:
    """The standard NT weather filter: True = weather over open water, set SIC to 0.

    Args:
      tb19v, tb22v, tb37v: TBs (K), broadcastable shapes ``S`` (AMSR2: 18.7V, 23.8V, 36.5V).
      sensor: a key of :data:`NT_WEATHER_THRESHOLDS`.

    Returns:
      bool array of shape ``S``; False where a TB is invalid (the SIC there is NaN anyway).
    """
    try:
        t37, t22 = NT_WEATHER_THRESHOLDS[sensor.lower()]
    except KeyError:
        known = ", ".join(NT_WEATHER_THRESHOLDS)
        raise SeaIceError(
            f"unknown sensor '{sensor}' for the NT weather filter (known: {known})"
        ) from None
    arrs = [jnp.asarray(t, jnp.float32) for t in (tb19v, tb22v, tb37v)]
    return _nt_filter(*arrs, jnp.float32(t37), jnp.float32(min(t22, 1e30)))


@jax.jit
def _mask89(tb18h, tb18v, tb89h, tb89v, t_gr, t_pd):
    gr = ratio(tb89v, tb18v)
    pd = tb89v - tb89h
    return valid_tb(tb18h, tb18v, tb89h, tb89v) & ((gr > t_gr) | (pd > t_pd))


def weather_mask_89(
    tb18h: jax.Array,
    tb18v: jax.Array,
    tb89h: jax.Array,
    tb89v: jax.Array,
    *,
    thresholds: dict[str, float] | None = None,
) -> jax.Array:
    """The 18.7/89 GHz weather mask: True = open water (PM ice there is spurious), set SIC to 0.

    Args:
      tb18h, tb18v, tb89h, tb89v: AMSR2 TBs (K), broadcastable shapes ``S``.
      thresholds: ``{"gr89_18v", "pd89"}``; default the fitted :data:`MASK89_THRESHOLDS`.

    Returns:
      bool array of shape ``S``: GR(89V/18.7V) > gr89_18v or 89V - 89H > pd89 (K); False where
      a TB is invalid.
    """
    th = MASK89_THRESHOLDS if thresholds is None else thresholds
    arrs = [jnp.asarray(t, jnp.float32) for t in (tb18h, tb18v, tb89h, tb89v)]
    return _mask89(*arrs, jnp.float32(th["gr89_18v"]), jnp.float32(th["pd89"]))
