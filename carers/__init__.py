"""Carers and households: who can offer a placement, to whom, and when."""

from carers.model import EXPECTED_WHY, AdopterApproval, ExpectedPlaces, Household

__all__ = ["EXPECTED_WHY", "AdopterApproval", "ExpectedPlaces", "Household"]
