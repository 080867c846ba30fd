"""``python -m seaice_jax`` is the ``seaice-jax`` command."""

import sys

from seaice_jax.cli import main

sys.exit(main())
