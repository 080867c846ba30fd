"""CIS gridded egg-code text (.dex): the real shp2dex sample and bad lines."""

from __future__ import annotations

import numpy as np
import pytest

from seaice_jax.errors import SeaIceError
from seaice_jax.io import open_dataset


def test_real_dex(data_dir):
    ds = open_dataset(data_dir / "cis_sigrid3_shp" / "shapefile.dex")
    assert ds.attrs["source_format"] == "cis_dex" and ds.sizes == {"point": 62046}
    # Counts of the CT words/codes, from `awk '{print $3}' shapefile.dex | sort | uniq -c`.
    ct = ds.ct.values
    assert (ct == "missing").sum() == 37479 and (ct == "IF").sum() == 4080
    assert (ct == "Fast-ice").sum() == 589 and (ct == "9+").sum() == 12149
    sic = ds.sic.values
    assert np.isnan(sic[ct == "missing"]).all() and (sic[ct == "IF"] == 0).all()
    assert (sic[ct == "9+"] == 95).all() and (sic[ct == "Fast-ice"] == 100).all()
    assert (sic[ct == "7"] == 70).all()
    np.testing.assert_array_equal(np.bincount(ds.flag.values), [19898, 4080, 37479, 589])
    # Gulf of St Lawrence / Newfoundland: west longitudes become negative degrees east.
    assert -71.3 < ds.lon.min() < ds.lon.max() < -55.4 and 45.1 < ds.lat.min() < ds.lat.max() < 51.9
    # The line "055.838 51.71 9+  3 1. 4  4 7 4  3 5 4" of the file:
    (row,) = np.flatnonzero(np.isclose(ds.lon.values, -55.838) & np.isclose(ds.lat.values, 51.71))
    eggs = [str(ds[k].values[row]) for k in ("ca", "sa", "fa", "cb", "sb", "fb", "cc", "sc", "fc")]
    assert ct[row] == "9+" and eggs == ["3", "1.", "4", "4", "7", "4", "3", "5", "4"]


@pytest.mark.parametrize("line, match", [("071.2 51.8 11\n", "bad longitude"),
                                         ("071.2 51.8 9 " + "1 " * 10 + "\n", "3 to 12 fields"),
                                         ("071.2 95.8 IF\n", "out of range")])  # fmt: skip
def test_bad_dex(tmp_path, line, match):
    p = tmp_path / "c_20200315.dex"
    p.write_text("068.611 51.78 missing\n" + line)
    with pytest.raises(SeaIceError, match=match):
        open_dataset(p)


def test_dex_date_from_name(tmp_path):
    p = tmp_path / "GEC_H_20190325.dex"
    p.write_text("068.611 51.78 IF\n068.512 51.78 9+  3 1. 4  4 7 4  3 5 4\n")
    ds = open_dataset(p)
    assert str(ds.time.values[0])[:10] == "2019-03-25" and list(ds.sic.values) == [0, 95]
