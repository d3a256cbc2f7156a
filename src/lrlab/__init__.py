"""lrlab: learning-rate schedules, their framework adapters, and a bench to compare them."""

__version__ = "0.1.0"
