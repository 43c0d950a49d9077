"""Children in care: who needs a placement, what they need, and their brothers and sisters."""

from children.model import AdoptionPlan, Child, Wishes
from children.siblings import SiblingGroup, SiblingGroupError, SiblingRelations

__all__ = [
    "AdoptionPlan",
    "Child",
    "Wishes",
    "SiblingGroup",
    "SiblingGroupError",
    "SiblingRelations",
]
