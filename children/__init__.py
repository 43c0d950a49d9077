"""Children in care: who needs a placement, what they need, and their brothers and sisters."""

from children.model import Child, Wishes
from children.siblings import SiblingGroup, SiblingGroupError, SiblingRelations

__all__ = ["Child", "Wishes", "SiblingGroup", "SiblingGroupError", "SiblingRelations"]
