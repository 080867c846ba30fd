"""The high-resolution transformer (flax.nnx) and its variants."""
