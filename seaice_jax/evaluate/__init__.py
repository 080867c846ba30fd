"""Metrics, comparisons against references, figures and tables."""
