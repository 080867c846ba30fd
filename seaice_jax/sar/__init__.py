"""SAR preparation: calibration, thermal noise, incidence-angle correction, the HH-HV
cross-correlation layer and texture features."""
