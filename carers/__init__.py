"""Carers and households: who can offer a placement, to whom, and when."""

from carers.model import Household

__all__ = ["Household"]
