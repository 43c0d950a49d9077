"""Carers and households: who can offer a placement, to whom, and when."""

from carers.model import AdopterApproval, Household

__all__ = ["AdopterApproval", "Household"]
