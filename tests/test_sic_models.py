"""High-resolution transformer: contract shapes, range, variants, ablation switch."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from seaice_jax.errors import SeaIceError
from seaice_jax.models import VARIANTS, count_params, create_model, flops_per_tile


@nnx.jit
def _fwd(m, x):
    # Jitted: eager nnx calls compile every primitive separately and are slow.
    return m(x)


def test_contract_shape_range_and_determinism():
    x = jax.random.normal(jax.random.key(0), (2, 32, 48, 3))
    m = create_model("tiny", 3, rngs=nnx.Rngs(0))
    y = np.asarray(_fwd(m, x))
    assert y.shape == (2, 32, 48) and y.dtype == np.float32
    assert np.all((y >= 0) & (y <= 1)) and y.std() > 0
    y2 = np.asarray(_fwd(create_model("tiny", 3, rngs=nnx.Rngs(0)), x))
    np.testing.assert_array_equal(y, y2)
    # Each tile is independent of the others in the batch.
    np.testing.assert_allclose(np.asarray(_fwd(m, x[1:]))[0], y[1], atol=1e-5)


def test_variants_grow_and_ablation_is_smaller():
    # Abstract models (shapes only): the paper variant is not materialised in a unit test.
    counts = [
        count_params(nnx.eval_shape(lambda v=v: create_model(v, 3, rngs=nnx.Rngs(0))))
        for v in VARIANTS
    ]
    assert counts == sorted(counts) and counts[0] < 50_000 and counts[-1] > 10_000_000
    full = create_model("tiny", 2, rngs=nnx.Rngs(0))
    abl = create_model("tiny", 2, rngs=nnx.Rngs(0), full_res=False)
    assert count_params(abl) < count_params(full)
    assert flops_per_tile(abl, 32, 2) < flops_per_tile(full, 32, 2)


def test_bad_variant_and_tile_size():
    with pytest.raises(SeaIceError, match="huge"):
        create_model("huge", 3, rngs=nnx.Rngs(0))
    m = create_model("tiny", 3, rngs=nnx.Rngs(0))
    with pytest.raises(ValueError, match="stride"):
        m(jnp.ones((1, 30, 32, 3)))


def test_flops_scale_with_tile_area():
    m = create_model("tiny", 3, rngs=nnx.Rngs(0))
    f32, f64 = flops_per_tile(m, 32, 3), flops_per_tile(m, 64, 3)
    # Convolutions and channel attention are linear in pixels; windowed attention too.
    assert 3.5 < f64 / f32 < 4.5
