"""Tile pipeline (grain): prepared scenes, tiles, targets, chart weights, normalisation."""
