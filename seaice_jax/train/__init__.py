"""Training of the SIC models.

Modules: ``step`` (the pure jitted train and eval steps), ``loop`` (``train(cfg, workdir)``:
set-up, restore, the loop, evaluation, summary), ``checkpoint`` (Orbax: train state, data
iterator and best parameters), ``sic`` (the SIC experiment defaults behind ``configs/sic_*.py``).
Nothing is imported here, so that a config file can read ``train.sic`` without loading JAX.
"""
