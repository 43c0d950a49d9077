"""Family-finding for adoption, for a regional adoption agency's family-finders.

A family-finder's LAs are the agency's. They search both ways — adopters for a waiting
child (the agency's own LAs' adopters first, then, when asked, adopters elsewhere) and
waiting children of their LAs for an adopter — and run a *round* that proposes links
for every waiting child and adopter at once, in the background like a batch match run
(api/runs.py), with its region report as one HTML page. Family-finders and admins
only. Another LA's child, or a round over LAs that are not all yours, is a 404.

Audited: `family_finding.waiting_adopters` (the adopters listed),
`family_finding.search_child`, `family_finding.search_adopter` (with the
children's ids), `family_finding.round_start` and `family_finding.round` (when it
finishes), `family_finding.round_read` and `family_finding.round_report` (reading a
finished round, which names children), `family_finding.round_interrupted` (its process
stopped) and `family_finding.round_restart`; links and interest (api/services/
family_links.py): `family_finding.link_create`, `family_finding.link_state`,
`family_finding.interest`, `family_finding.interest_withdraw`, and their lists.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import HTMLResponse

from api.deps import FamilyFinder, Svc
from api.errors import json_errors, responses
from api.routes.common import IdFilter, Limit, Offset, RecordId, page
from api.schemas.common import Page
from api.schemas.family_finding import (
    AdopterSearchOut,
    ChildSearchOut,
    InterestIn,
    InterestOut,
    LinkIn,
    LinkRecordOut,
    LinkState,
    LinkStateIn,
    RoundIn,
    RoundOut,
    WaitingAdopterOut,
)
from api.schemas.types import MAX_INT
from api.services import family_finding, family_links

router = APIRouter(tags=["family-finding"])

Top = Annotated[int, Query(ge=1, le=500, description="matches to return")]
Near = Annotated[int, Query(ge=0, le=500, description="near misses to return")]
Beyond = Annotated[
    bool, Query(description="also adopters outside your LAs, as a second list (`beyond`)")
]
Together = Annotated[
    bool,
    Query(
        description="search for the child with the brothers and sisters their plan keeps "
        "together (must or should), as one family; false: the child alone"
    ),
]


@router.get(
    "/family-finding/children/{child_id}/adopters",
    response_model=AdopterSearchOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Adopters for a waiting child: your LAs' first, then beyond",
)
def adopters_for_child(
    child_id: RecordId,
    user: FamilyFinder,
    svc: Svc,
    top: Top = 20,
    near_misses: Near = 10,
    beyond_region: Beyond = False,
    together: Together = True,
) -> Any:
    """Approved adopters who could take the child (with the brothers and sisters placed
    together with them), best first with reasons, then adopters who fail one rule
    only, naming it: first those of your LAs, then (`beyond_region`) the rest. 409 if
    the child has no open referral or their plan does not accept adoption."""
    return family_finding.adopters_for_child(
        svc,
        user,
        child_id,
        top=top,
        near_misses=near_misses,
        beyond_region=beyond_region,
        together=together,
    )


@router.get(
    "/family-finding/adopters/{household_id}/children",
    response_model=ChildSearchOut,
    responses=responses(401, 403, 404, 422),
    summary="Your LAs' waiting children an adopter could take",
)
def children_for_adopter(
    household_id: RecordId, user: FamilyFinder, svc: Svc, top: Top = 20, near_misses: Near = 10
) -> Any:
    """Children of your LAs with an open referral whose plan accepts adoption, that
    this adopter (a household of kind `adoption`, in any LA) could take, best first
    with reasons, then children who fail one rule only. 404 for a household that is
    not an adopter."""
    return family_finding.children_for_adopter(
        svc, user, household_id, top=top, near_misses=near_misses
    )


@router.post(
    "/family-finding/rounds",
    response_model=RoundOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(401, 403, 409, 422),
    summary="Start a family-finding round over your LAs",
)
def start_round(user: FamilyFinder, svc: Svc, body: RoundIn | None = None) -> Any:
    """Links for every waiting child (open referral, plan accepting adoption) of your
    LAs and every adopter of your LAs (or anywhere, `beyond_region`) at once: longest
    waiting and hardest to place first, brothers and sisters kept together by their
    plan, then quality and distance. Runs in the background; ask
    `GET /family-finding/rounds/{round_id}`. 409 while a round over your LAs is queued
    or running."""
    body = body or RoundIn()
    params = body.model_dump(exclude={"time_limit_s"})
    return family_finding.start_round(svc, user, params, body.time_limit_s)


@router.post(
    "/family-finding/rounds/{round_id}/restart",
    response_model=RoundOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(401, 403, 404, 409, 422),
    summary="Start an interrupted or failed round again",
)
def restart_round(round_id: RecordId, user: FamilyFinder, svc: Svc) -> Any:
    """A new round over the same LAs with the same policy, seed and time limit, on the
    records as they are now; it names the round it replaces (`restarted_from`) and that
    round names it (`restarted_as`). 409 unless the round is interrupted or failed and
    not restarted already, or while another round over its LAs is queued or running."""
    return family_finding.restart_round(svc, user, round_id)


@router.get(
    "/family-finding/waiting-adopters",
    response_model=Page[WaitingAdopterOut],
    responses=responses(401, 403, 422),
    summary="Your LAs' approved adopters, longest waiting since approval first",
)
def waiting_adopters(user: FamilyFinder, svc: Svc, offset: Offset = 0, limit: Limit = 50) -> Any:
    """Weeks since approval, how many of your LAs' waiting children each could take,
    and their register referral (due three months after approval if not matched)."""
    items, _total = family_finding.waiting_adopters(svc, user, offset, limit)
    return page(items, offset, limit)


@router.get(
    "/family-finding/rounds",
    response_model=Page[RoundOut],
    responses=responses(401, 403, 422),
    summary="Recent family-finding rounds over your LAs",
)
def list_rounds(user: FamilyFinder, svc: Svc, offset: Offset = 0, limit: Limit = 50) -> Any:
    """Newest first. Status and summary (counts) of each; the links are on the round
    itself."""
    return page(family_finding.list_rounds(svc, user, offset, limit), offset, limit)


@router.get(
    "/family-finding/rounds/{round_id}",
    response_model=RoundOut,
    responses=responses(401, 403, 404, 422),
    summary="A round's status and, when done, its links",
)
def get_round(round_id: RecordId, user: FamilyFinder, svc: Svc) -> Any:
    """Status and progress; when done, `round`: every proposed link and why, each child
    left without one and what would change that, how crowded plain recommendations
    would be, the round against plain and priority-aware deferred acceptance and an
    officer-style pass, and the region's tables (docs/family-finding.md)."""
    return family_finding.read_round(svc, user, round_id)


@router.get(
    "/family-finding/rounds/{round_id}/report",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "the region report, one HTML page"},
        **json_errors(401, 403, 404, 409, 422),
    },
    summary="A finished round's region report (a self-contained HTML page)",
)
def round_report(round_id: RecordId, user: FamilyFinder, svc: Svc) -> HTMLResponse:
    """Who waits (by age, brothers and sisters, needs, time waiting), adopters by
    approval, the gaps, outcomes by ethnicity, sex, age and disability, crowding and
    fairness: tables and plots in one page with nothing to fetch. 409 until done."""
    return HTMLResponse(family_finding.round_report(svc, user, round_id))


# -- links and interest (store/family_links.py) -------------------------------------------

LinkId = Annotated[int, Path(ge=1, le=MAX_INT, description="a link's id")]
InterestId = Annotated[int, Path(ge=1, le=MAX_INT, description="an expression of interest's id")]


@router.get(
    "/family-finding/links",
    response_model=Page[LinkRecordOut],
    responses=responses(401, 403, 422),
    summary="Links of your LAs' children with adopters",
)
def list_links(
    user: FamilyFinder,
    svc: Svc,
    state: Annotated[LinkState | None, Query(description="only links in this state")] = None,
    child_id: IdFilter = None,
    adopter: IdFilter = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """Most recently changed first, each with the states it may go to next."""
    found = family_links.list_links(
        svc, user, state=state, child_id=child_id, adopter=adopter, offset=offset, limit=limit
    )
    return page(found, offset, limit)


@router.post(
    "/family-finding/links",
    response_model=LinkRecordOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 404, 409, 422),
    summary="Link a child, or brothers and sisters, with an adopter",
)
def create_link(body: LinkIn, user: FamilyFinder, svc: Svc) -> Any:
    """A `proposed` link. 404 for a child not of your LAs or a household that is not an
    adopter; 409 while one of the children has an open link with the adopter."""
    return family_links.create_link(
        svc, user, body.adopter, body.children, round_id=body.round_id, note=body.note
    )


@router.get(
    "/family-finding/links/{link_id}",
    response_model=LinkRecordOut,
    responses=responses(401, 403, 404, 422),
    summary="One link",
)
def get_link(link_id: LinkId, user: FamilyFinder, svc: Svc) -> Any:
    return family_links.read_link(svc, user, link_id)


@router.post(
    "/family-finding/links/{link_id}/state",
    response_model=LinkRecordOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Move a link on, or decline it with a reason",
)
def move_link(link_id: LinkId, body: LinkStateIn, user: FamilyFinder, svc: Svc) -> Any:
    """proposed → exploring → to_panel → placed, or declined (with `reason`) before
    placed. 409 naming both states for any other move, or to panel while a child or the
    adopter is in another link at panel or placed; 422 naming `body.reason` for a
    decline without one."""
    return family_links.move_link(
        svc, user, link_id, body.state, reason=body.reason, note=body.note
    )


@router.get(
    "/family-finding/interest",
    response_model=list[InterestOut],
    responses=responses(401, 403, 422),
    summary="Expressions of interest in your LAs' children",
)
def list_interest(
    user: FamilyFinder, svc: Svc, child_id: IdFilter = None, adopter: IdFilter = None
) -> Any:
    """Newest first; for one child or one adopter."""
    return family_links.list_interest(svc, user, child_id=child_id, adopter=adopter)


@router.post(
    "/family-finding/interest",
    response_model=InterestOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 404, 409, 422),
    summary="Record an adopter's, or a family-finder's, interest",
)
def record_interest(body: InterestIn, user: FamilyFinder, svc: Svc) -> Any:
    """The adopter's interest in a child (`side` adopter: their social worker records
    it) or the child's family-finder's in an adopter (`finder`). The next round raises
    the pair on the child's shortlist. 409 if that side's interest is recorded already."""
    return family_links.record_interest(svc, user, body.adopter, body.child, body.side, body.note)


@router.delete(
    "/family-finding/interest/{interest_id}",
    response_model=InterestOut,
    responses=responses(401, 403, 404, 422),
    summary="Withdraw an expression of interest",
)
def withdraw_interest(interest_id: InterestId, user: FamilyFinder, svc: Svc) -> Any:
    """Deleted (the audit log keeps that it was); the record as it was."""
    return family_links.withdraw_interest(svc, user, interest_id)
