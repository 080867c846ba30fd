"""ICM segmentation (lax-based) and connected segments."""
