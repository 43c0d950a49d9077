"""Synthetic regions: reproducible, calibrated populations of children and carers."""
