"""Matches for a child or a sibling group (journey 3), and proposing a household from a
match (journey 4's first step).

The ranking is `GET /children/{id}/matches`'s (and `/sibling-groups/{id}/matches`'s)
service, `matches.rank_carers` (same scope, same audit `match.rank`), with where each
place is for the map (`matches.ranking_with_places`). The map is inline SVG drawn from
the outcode grid the product ships (`geo`): no tile server, no image from elsewhere, and
the same places as a list beside it. Proposing calls `POST /proposals`'s service: a
refused match re-renders with each broken rule in words; a place taken meanwhile (409)
says so and offers the next match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

import geo
import store
import vocab
from api.deps import OFFICERS, Services, StaffPage, Svc
from api.errors import RuleBreaks
from api.pages.children import POLICY_LABELS
from api.pages.common import page_router, render, see_other
from api.routes.common import RecordId
from api.services import children, matches, proposals, referrals, siblings
from matching.eligibility import RULE_BY_ID
from store.validate import TEXT_MAX

router = page_router()

TOP = 20
NEAR = 10
HOLD_DEFAULT = 48
HOLD_MAX = 720
#: The map's drawing area (SVG user units) and its margin.
MAP_W, MAP_H, MAP_PAD = 640, 420, 40
LIVING_TOGETHER = "the brothers and sisters can live in one household (safeguarding)"

Kind = Literal["child", "group"]


@dataclass(frozen=True)
class Mark:
    """A place on the map: what it is (`home`, `school`, `carer`), its label, where."""

    kind: str
    label: str
    outcode: str
    x: float
    y: float


def map_marks(ranking: dict[str, Any]) -> list[Mark]:
    """Home, school and each ranked household placed on the drawing by their outcodes'
    grid references (north up), scaled to fit; a place whose outcode the grid does not
    know is left off the drawing (it is still in the list)."""
    gaz = geo.gazetteer()
    wanted: list[tuple[str, str, str]] = []
    for p in ranking["places"]:
        wanted.append(("home", f"Home of {p['child']} ({p['home']})", p["home"]))
        if p["school"]:
            wanted.append(("school", f"School of {p['child']} ({p['school']})", p["school"]))
    for n, m in enumerate(ranking["matches"], start=1):
        if m["location"]:
            wanted.append(("carer", f"{n}. {m['carer']} ({m['location']})", m["location"]))
    known = [(k, label, o, *gaz.grid(o)) for k, label, o in wanted if o in gaz]
    if not known:
        return []
    xs = [e for *_, e, _n in known]
    ys = [n for *_, n in known]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 2000.0)
    scale = min(MAP_W - 2 * MAP_PAD, MAP_H - 2 * MAP_PAD) / span
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return [
        Mark(
            kind,
            label,
            o,
            round(MAP_W / 2 + (e - cx) * scale, 1),
            round(MAP_H / 2 - (n - cy) * scale, 1),
        )
        for kind, label, o, e, n in known
    ]


def carer_spots(marks: list[Mark]) -> list[tuple[Mark, str]]:
    """One marker per outcode for the households there, numbered with their ranks
    ("2, 3"), so households in one district do not hide each other."""
    spots: dict[str, tuple[Mark, list[str]]] = {}
    for k in marks:
        if k.kind == "carer":
            spots.setdefault(k.outcode, (k, []))[1].append(k.label.split(".")[0])
    return [(k, ", ".join(ranks)) for k, ranks in spots.values()]


def in_words(detail: str) -> str:
    """A rule's detail with the needs it names in words ("lacks skill 'autism'" ->
    "lacks skill: autism")."""
    for code, label in vocab.NEED_LABELS.items():
        detail = detail.replace(f"'{code}'", label)
    return detail.replace("lacks skill ", "lacks skill: ")


def subject_path(kind: Kind, subject: str) -> str:
    return f"/children/{subject}" if kind == "child" else f"/sibling-groups/{subject}"


async def matches_page(
    request: Request, user: store.User, svc: Services, subject: str, kind: Kind
) -> HTMLResponse:
    ranking, group = await matches.ranking_and_group(svc, user, subject, kind, TOP, NEAR)
    who = f"child {subject}" if kind == "child" else f"sibling group {subject}"
    marks = map_marks(ranking)
    for n in ranking["near_misses"]:
        n["detail"] = in_words(n["detail"])
    return render(
        request,
        "matches.html",
        title=f"Matches for {who}",
        who=who,
        kind=kind,
        subject=subject,
        base=subject_path(kind, subject),
        ranking=ranking,
        group=group,
        marks=marks,
        spots=carer_spots(marks),
        policies=POLICY_LABELS,
        may_ask=user.role in OFFICERS,
        map_w=MAP_W,
        map_h=MAP_H,
    )


@router.get("/children/{child_id}/matches", response_class=HTMLResponse)
async def child_matches(
    request: Request, child_id: RecordId, user: StaffPage, svc: Svc
) -> HTMLResponse:
    return await matches_page(request, user, svc, child_id, "child")


@router.get("/sibling-groups/{group_id}/matches", response_class=HTMLResponse)
async def group_matches(
    request: Request, group_id: RecordId, user: StaffPage, svc: Svc
) -> HTMLResponse:
    return await matches_page(request, user, svc, group_id, "group")


def load_subject(svc: Services, user: store.User, subject: str, kind: Kind) -> dict[str, Any]:
    """The child (or group) being proposed for and their views, through the services the
    JSON routes use (NotFound outside the user's LAs, audited as those reads are)."""
    if kind == "child":
        members = [children.read_child(svc, user, subject)["id"]]
    else:
        members = list(siblings.read_group(svc, user, subject)["children"])
    views = []
    for c in members:
        found = referrals.list_referrals(svc, user, status="open", child_id=c, offset=0, limit=1)
        if found:
            views.append((c, found[0]))
    return {"members": members, "views": views}


def broken_rules(breaks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each broken rule in words, for the page."""
    out = []
    for b in breaks:
        rule = RULE_BY_ID.get(b["rule"])
        summary = rule.summary if rule else LIVING_TOGETHER
        out.append(
            {**b, "summary": summary[:1].upper() + summary[1:], "detail": in_words(b["detail"])}
        )
    return out


async def next_match(
    svc: Services, user: store.User, subject: str, kind: Kind, household_id: str
) -> dict[str, Any] | None:
    """The best match now that is not `household_id` (the ranking's own service)."""
    ranking = await matches.ranking_with_places(svc, user, subject, kind, TOP, 0)
    return next((m for m in ranking["matches"] if m["carer"] != household_id), None)


def read_hold(hold: str, errors: list[tuple[str, str]]) -> float | None:
    """The hours to hold a place (1 to HOLD_MAX) from a form's text; None, with the
    field's message added to `errors`, when it is not such a number."""
    try:
        hours = float(hold.strip())
    except ValueError:
        errors.append(("hold_hours", "Enter how many hours to hold the place, as a number"))
        return None
    if not 1 <= hours <= HOLD_MAX:
        errors.append(("hold_hours", f"Hold the place for between 1 and {HOLD_MAX} hours"))
        return None
    return hours


def read_form(hold: str, note: str) -> tuple[float | None, str | None, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    hours = read_hold(hold, errors)
    text = note.strip()
    if len(text) > TEXT_MAX:
        errors.append(("views_note", f"The note must be {TEXT_MAX:,} characters or fewer"))
    elif "\x00" in text:
        errors.append(("views_note", "The note contains a character that cannot be stored"))
    return hours, (text or None), errors


async def propose_form(
    request: Request,
    user: store.User,
    svc: Services,
    subject: str,
    kind: Kind,
    household_id: str,
    *,
    status_code: int = 200,
    errors: list[tuple[str, str]] | None = None,
    hold: str = str(HOLD_DEFAULT),
    note: str = "",
    breaks: list[dict[str, Any]] | None = None,
    taken: str | None = None,
    offer: dict[str, Any] | None = None,
) -> HTMLResponse:
    about = await run_in_threadpool(load_subject, svc, user, subject, kind)
    who = f"child {subject}" if kind == "child" else f"sibling group {subject}"
    return render(
        request,
        "propose.html",
        title=f"Propose household {household_id} for {who}",
        status_code=status_code,
        errors=errors or [],
        who=who,
        kind=kind,
        subject=subject,
        household=household_id,
        base=subject_path(kind, subject),
        hold=hold,
        note=note,
        breaks=breaks or [],
        taken=taken,
        offer=offer,
        hold_max=HOLD_MAX,
        **about,
    )


async def propose(
    request: Request,
    user: store.User,
    svc: Services,
    subject: str,
    kind: Kind,
    household_id: str,
    hold: str,
    note: str,
) -> Response:
    hours, views_note, errors = read_form(hold, note)

    async def again(status_code: int, **shown: Any) -> HTMLResponse:
        """The form again as it was sent, with what went wrong."""
        return await propose_form(
            request,
            user,
            svc,
            subject,
            kind,
            household_id,
            status_code=status_code,
            hold=hold,
            note=note,
            **shown,
        )

    if errors:
        return await again(422, errors=errors)
    try:
        made = await run_in_threadpool(
            lambda: proposals.propose(
                svc,
                user,
                household_id,
                child_id=subject if kind == "child" else None,
                group_id=subject if kind == "group" else None,
                hold_hours=hours,
                views_note=views_note,
                exception=None,
            )
        )
    except RuleBreaks as refused:
        return await again(422, breaks=broken_rules(refused.breaks))
    except store.VacancyTaken:
        offer = await next_match(svc, user, subject, kind, household_id)
        taken = f"Household {household_id} has no free place now: someone else has it."
        return await again(409, taken=taken, offer=offer)
    except store.Conflict as conflict:
        return await again(409, taken=f"This cannot be proposed now: {conflict}.")
    return see_other(f"/proposals/{made['id']}")


@router.get("/children/{child_id}/propose/{household_id}", response_class=HTMLResponse)
async def child_propose_form(
    request: Request, child_id: RecordId, household_id: RecordId, user: StaffPage, svc: Svc
) -> HTMLResponse:
    return await propose_form(request, user, svc, child_id, "child", household_id)


@router.post("/children/{child_id}/propose/{household_id}", response_class=HTMLResponse)
async def child_propose(
    request: Request,
    child_id: RecordId,
    household_id: RecordId,
    user: StaffPage,
    svc: Svc,
    hold_hours: Annotated[str, Form()] = "",
    views_note: Annotated[str, Form()] = "",
) -> Response:
    return await propose(
        request, user, svc, child_id, "child", household_id, hold_hours, views_note
    )


@router.get("/sibling-groups/{group_id}/propose/{household_id}", response_class=HTMLResponse)
async def group_propose_form(
    request: Request, group_id: RecordId, household_id: RecordId, user: StaffPage, svc: Svc
) -> HTMLResponse:
    return await propose_form(request, user, svc, group_id, "group", household_id)


@router.post("/sibling-groups/{group_id}/propose/{household_id}", response_class=HTMLResponse)
async def group_propose(
    request: Request,
    group_id: RecordId,
    household_id: RecordId,
    user: StaffPage,
    svc: Svc,
    hold_hours: Annotated[str, Form()] = "",
    views_note: Annotated[str, Form()] = "",
) -> Response:
    return await propose(
        request, user, svc, group_id, "group", household_id, hold_hours, views_note
    )
