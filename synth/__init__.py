"""Synthetic regions: reproducible, calibrated populations of children and carers."""

from synth.region import WEST_YORKSHIRE, generate_region

__all__ = ["WEST_YORKSHIRE", "generate_region"]
