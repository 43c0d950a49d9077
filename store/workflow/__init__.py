"""The placement workflow: propose (hold a vacancy), confirm, decline, expire, end.

The guarantee: a vacancy is never given to two children. It rests on the database, not
on the application reading before it writes:

- `confirm` takes the place with one conditional statement,
  `UPDATE household SET vacancies = vacancies - n, occupied = occupied + n
  WHERE id = :id AND vacancies >= n`,
  after moving the proposal from `proposed` to `confirmed` with another
  (`... WHERE status = 'proposed' AND hold_until > now`). On PostgreSQL concurrent
  confirmations queue on the household's row lock and each re-checks the condition on
  the row as the previous winner left it, so exactly as many succeed as there are
  places; the others raise VacancyTaken (or ProposalClosed) and their transaction
  rolls back whole. A CHECK constraint (`vacancies >= 0`) backs it up. On SQLite every
  write transaction holds the database write lock from its start (BEGIN IMMEDIATE), so
  writers run one at a time and the same statements give the same answer.
- `propose` locks the children's rows then the household's row (SELECT ... FOR UPDATE,
  always in that order, so two proposals cannot deadlock) before counting the places
  held by live proposals, so two officers cannot both hold the last place.

Holds are checked against the clock at every use: a lapsed hold holds nothing even
before `expire_holds` marks it. Every step writes its audit entry in the same
transaction. Functions never commit: run each inside `store.transaction(engine)`.
"""

from store.workflow.decisions import authorise_exception, confirm, decline, set_views_note
from store.workflow.exceptions import RuleException
from store.workflow.holds import (
    expire_holds,
    holding_proposals,
    lapsed_holds,
    next_hold_end,
)
from store.workflow.placements import end_placement, get_placement, list_placements
from store.workflow.proposals import (
    DEFAULT_HOLD_HOURS,
    children_of_proposals,
    default_hold,
    get_proposal,
    list_proposals,
    proposal_children,
    propose,
    refuse,
)
from store.workflow.requests import (
    ask,
    authorise_request,
    get_request,
    lapse_requests,
    lapsing_requests,
    list_requests,
    refuse_request,
    request_children,
    withdraw,
)

__all__ = [
    "DEFAULT_HOLD_HOURS",
    "RuleException",
    "ask",
    "authorise_exception",
    "authorise_request",
    "children_of_proposals",
    "confirm",
    "decline",
    "default_hold",
    "end_placement",
    "expire_holds",
    "get_placement",
    "get_proposal",
    "get_request",
    "holding_proposals",
    "lapse_requests",
    "lapsing_requests",
    "lapsed_holds",
    "list_placements",
    "list_proposals",
    "list_requests",
    "next_hold_end",
    "proposal_children",
    "propose",
    "refuse",
    "refuse_request",
    "request_children",
    "set_views_note",
    "withdraw",
]
