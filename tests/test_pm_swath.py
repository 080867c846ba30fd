"""NT on a swath: the real SSMIS swath geometry, resampled to the 25 km NSIDC grid, then NT.

The SSMIS sample holds only 37V, so the swath TBs are built from a known SIC field: the real
NSIDC-0051 F17 NT SIC of 2017-10-02, sampled at the real footprints and turned into TBs by the
linear mixture of the SSMIS F17 tie points (open water + FY ice). Gridding then NT must give back
that SIC where the field is smooth. The real 37V is gridded too and checked for physical range.
"""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from seaice_jax.geo.grids import named_grid
from seaice_jax.pm import TIEPOINTS
from seaice_jax.pm.swath import nasa_team_swath, swath_tbs_to_grid


@pytest.fixture(scope="module")
def swath_and_truth(data_dir):
    raw = np.fromfile(data_dir / "nsidc0051_nasateam" / "nt_20171002_f17_v1.1_n.bin", np.uint8)
    sic = raw[300:].reshape(448, 304).astype(np.float64)
    sic = np.where(sic <= 250, sic / 2.5, np.nan)
    lon, lat, tb37 = np.load(data_dir / "pyresample_ssmis" / "ssmis_swath.npz")["data"].T
    keep = (lat > 35) & (tb37 > 0)
    return sic, lon[keep], lat[keep], tb37[keep]


def _sample(grid, field, lon, lat):
    x, y = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True).transform(lon, lat)
    col = np.floor((x - grid.x0) / grid.res).astype(int)
    row = np.floor((grid.y0 - y) / grid.res).astype(int)
    ok = (row >= 0) & (row < grid.height) & (col >= 0) & (col < grid.width)
    out = np.full(lon.shape, np.nan)
    out[ok] = field[row[ok], col[ok]]
    return out


def test_swath_to_grid_then_nt_recovers_known_sic(swath_and_truth):
    truth, lon, lat, tb37 = swath_and_truth
    grid = named_grid("nsidc3413_25km")
    c = _sample(grid, truth, lon, lat) / 100.0
    tp = TIEPOINTS["ssmis"]
    tbs = {
        name: (1 - c) * tp[ch]["ow"] + c * tp[ch]["fy"]
        for name, ch in (("tb_18_7v", "19v"), ("tb_18_7h", "19h"), ("tb_36_5v", "37v"))
    }
    out = nasa_team_swath(lon, lat, tbs, grid, tiepoints="ssmis", sensor="ssmis")
    assert out.rio.crs.to_epsg() == 3413 and out.sic.shape == grid.shape
    est = out.sic_raw.values
    # Where the truth is smooth at 3 x 3 pixels, gridding is exact up to the Gaussian weights.
    pad = np.pad(truth, 1, constant_values=np.nan)
    win = np.stack([pad[i : i + 448, j : j + 304] for i in range(3) for j in range(3)])
    filled = np.where(np.isfinite(win), win, 0.0)
    smooth = np.isfinite(win).all(0) & (filled.max(0) - filled.min(0) < 1.0)
    both = smooth & np.isfinite(est)
    assert both.sum() > 3000
    err = np.abs(est[both] - truth[both])
    assert np.median(err) < 0.5 and np.percentile(err, 99) < 3.0
    # Everywhere the swath covers, the gridded NT tracks the truth closely.
    cover = np.isfinite(est) & np.isfinite(truth)
    assert cover.sum() > 8000 and np.corrcoef(est[cover], truth[cover])[0, 1] > 0.995
    assert np.mean(np.abs(est[cover] - truth[cover])) < 1.0


def test_real_ssmis_37v_gridded(swath_and_truth):
    _, lon, lat, tb37 = swath_and_truth
    ds = swath_tbs_to_grid(lon, lat, {"tb_36_5v": tb37}, "nsidc3413_25km")
    g = ds.tb_36_5v.values
    assert np.isfinite(g).sum() > 15_000  # one swath: about a sixth of the grid
    assert 160 < np.nanmin(g) and np.nanmax(g) < 290 and 190 < np.nanmedian(g) < 270


def test_nasateam_command_grids_points(cli, data_dir, tmp_path):
    import xarray as xr

    src = data_dir / "esa_cci_sic_rrdp_amsr2" / "ASCAT-vs-AMSR2-vs-ERA5-vs-DTUSIC1-2017-N.text"
    out = tmp_path / "nt25.nc"
    rc, _, err = cli("nasateam", "--input", src, "--out", out, "--grid", "nsidc3413_25km")
    assert rc == 0, err
    with xr.open_dataset(out, decode_coords="all") as ds:
        assert ds.sic.dims == ("y", "x") and ds.sic.shape == (448, 304)
        sic = ds.sic.values
        n = np.isfinite(sic).sum()
        assert 300 < n < 20_000  # 100 % ice points only: a sparse cover of the Arctic Ocean
        assert np.nanmean(sic) > 93 and int(np.nansum(ds.weather_mask.values)) == 0
    rc, _, err = cli("nasateam", "--input", src, "--out", out, "--grid", "nope_grid")
    assert rc == 2 and "nope_grid" in err
