"""Baltic sea-ice thickness: segment features, least-squares regression, normalisation."""
