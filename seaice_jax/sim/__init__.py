"""The simulator (observing-system simulation experiment): a known 200 m truth and, from it, SAR,
AMSR2 brightness temperatures, NASA Team SIC, ice charts, an OSI-SAF-like reference and a Baltic
thickness scenario, calibrated on the real sample files."""
