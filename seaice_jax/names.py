"""Standard variable names, units and CF attributes shared by every module (DESIGN section 2)."""

from __future__ import annotations

SAR_VARS = ("hh", "hv")
TB_VARS = (
    "tb_18_7h",
    "tb_18_7v",
    "tb_23_8v",
    "tb_36_5h",
    "tb_36_5v",
    "tb_89_0h",
    "tb_89_0v",
)

#: CF attributes attached to standard variables when a product is written.
ATTRS: dict[str, dict[str, str]] = {
    "hh": {"units": "dB", "long_name": "HH backscatter coefficient sigma0"},
    "hv": {"units": "dB", "long_name": "HV backscatter coefficient sigma0"},
    "incidence_angle": {"units": "degree", "long_name": "incidence angle"},
    "land_mask": {"units": "1", "long_name": "land mask (1 = land)"},
    "valid": {"units": "1", "long_name": "valid data mask (1 = valid)"},
    "sic": {
        "units": "%",
        "standard_name": "sea_ice_area_fraction",
        "long_name": "sea ice concentration",
    },
    "sic_uncertainty": {
        "units": "%",
        "standard_name": "sea_ice_area_fraction standard_error",
        "long_name": "sea ice concentration uncertainty (1 sigma)",
    },
    "sit": {"units": "m", "standard_name": "sea_ice_thickness", "long_name": "sea ice thickness"},
}
for _tb in TB_VARS:
    _f = _tb[3:-1].replace("_", ".")
    ATTRS[_tb] = {
        "units": "K",
        "standard_name": "brightness_temperature",
        "long_name": f"brightness temperature {_f} GHz {_tb[-1].upper()}",
    }
