"""Passive microwave: NASA Team sea-ice concentration, weather filters, the 18.7/89 GHz weather mask."""
