"""Each child's periods of care and, on one day, the child as the product holds them.

A period of care is a chain of episodes: each ends with REC X1 (or a blank REC) on the
day the next begins; RNE S, a gap or any other REC starts a new one. The child looked
after on `as_of` is in an open period; their current episode gives the legal status and
the placement. The records are plain dicts in the problem format's child fields, so the
store can write them; the placement beside them carries what the problem format does
not (kind, provider, postcode, distance, inside or outside the LA).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from geo import Gazetteer, gazetteer
from ssda903 import codes
from ssda903.checks import check_extract
from ssda903.read import Extract, Row, Table
from ssda903.records import Checked, Episode, HeaderRecord, age_on
from ssda903.report import Issue, Report, TableCounts
from vocab import NEEDS, SIBLING_POLICIES

__all__ = [
    "CareChild",
    "Import",
    "Period",
    "Placement",
    "import_extract",
    "la_id_prefix",
    "periods_of_care",
    "rebuild",
    "sibling_groups",
]

#: When sibling links disagree, the group takes the least binding policy: forcing
#: together children an assessment says should live apart is the worse mistake.
_BINDING = {"apart": 0, "should": 1, "must": 2}
#: The product's accepted kinds when the placement has none (with parents, temporary,
#: hospital, custody, other): fostering, the generator's default plan.
FALLBACK_KIND = "foster"
#: The problem format's age limit (care leavers' services run to 25).
MAX_AGE = 25


@dataclass(frozen=True, slots=True)
class Period:
    """A period of care: `end` is None while it is open."""

    episodes: tuple[Episode, ...]

    @property
    def start(self) -> date:
        return self.episodes[0].decom

    @property
    def end(self) -> date | None:
        return self.episodes[-1].dec

    def open_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or self.end > day)


def periods_of_care(episodes: Sequence[Episode]) -> list[Period]:
    """Chain a child's episodes (in date order, as `check_extract` leaves them)."""
    periods: list[Period] = []
    run: list[Episode] = []
    for e in episodes:
        if run:
            prev = run[-1]
            goes_on = (
                prev.dec is not None
                and prev.dec == e.decom
                and prev.rec in (codes.NEW_EPISODE_SAME_DAY, "")
                and e.rne != "S"
            )
            if not goes_on:
                periods.append(Period(tuple(run)))
                run = []
        run.append(e)
    if run:
        periods.append(Period(tuple(run)))
    return periods


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the child lives on `as_of`: the current episode's placement.

    `kind` and `provider` are the product's words (None where it has none; see
    docs/ssda903.md); `place` and `place_provider` the 903 codes. `distance_km` is the
    straight line between the home and placement outcodes (the DfE's method, at outcode
    precision); `out_of_la` compares the placement outcode's area with the LA.
    """

    kind: str | None
    provider: str | None
    place: str
    place_provider: str
    postcode: str | None
    outcode: str | None
    distance_km: float | None
    out_of_la: bool | None
    urn: str | None
    start: date

    @property
    def group(self) -> str:
        code = codes.PLACE.get(self.place)
        return code.group if code else codes.NOT_RECORDED

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "provider": self.provider,
            "place": self.place or None,
            "place_provider": self.place_provider or None,
            "postcode": self.postcode,
            "outcode": self.outcode,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 2),
            "out_of_la": self.out_of_la,
            "urn": self.urn,
            "start": self.start.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class CareChild:
    """A child looked after on `as_of`: `child` is the record in the problem format's
    child fields (no `urgency` or `needed_by`: those belong to a referral), `code` the
    903 CHILD, and the rest what the 903 says beside it."""

    code: str
    child: Mapping[str, Any]
    date_of_birth: date
    legal_status: str
    period_start: date
    placement: Placement
    sdq_score: int | None = None
    #: The header row the child came from, to name it if the store refuses the record.
    row: int = 0

    @property
    def id(self) -> str:
        return str(self.child["id"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "child": dict(self.child),
            "date_of_birth": self.date_of_birth.isoformat(),
            "legal_status": self.legal_status or None,
            "period_start": self.period_start.isoformat(),
            "placement": self.placement.to_dict(),
            "sdq_score": self.sdq_score,
        }


@dataclass(frozen=True)
class Import:
    """An imported extract: the children looked after on `as_of`, their sibling groups
    (problem-format dicts over child ids) and the report."""

    la: str
    as_of: date
    year: int
    children: tuple[CareChild, ...]
    sibling_groups: tuple[Mapping[str, Any], ...]
    report: Report
    periods: Mapping[str, tuple[Period, ...]] = field(default_factory=dict, repr=False)

    def child_records(self) -> list[dict[str, Any]]:
        return [dict(c.child) for c in self.children]

    def to_dict(self) -> dict[str, Any]:
        return {
            "la": self.la,
            "as_of": self.as_of.isoformat(),
            "children": [c.to_dict() for c in self.children],
            "sibling_groups": [dict(g) for g in self.sibling_groups],
            "report": self.report.to_dict(),
        }


def la_id_prefix(la: str) -> str:
    """What an LA's imported ids start with: "Leeds-", "County-Durham-" (a space is not
    an id character: ids go into the audit log and into URLs)."""
    return re.sub(r"[^A-Za-z0-9_.:\-]+", "-", la) + "-"


def import_extract(
    extract: Extract,
    *,
    la: str,
    as_of: date | None = None,
    year: int | None = None,
    id_prefix: str | None = None,
    siblings: Table | None = None,
    gaz: Gazetteer | None = None,
) -> Import:
    """Check an extract and rebuild its children: the whole import in one call."""
    gaz = gaz or gazetteer()
    checked = check_extract(extract, as_of=as_of, year=year, gaz=gaz)
    return rebuild(checked, la=la, id_prefix=id_prefix, siblings=siblings, gaz=gaz)


def rebuild(
    checked: Checked,
    *,
    la: str,
    id_prefix: str | None = None,
    siblings: Table | None = None,
    gaz: Gazetteer | None = None,
) -> Import:
    """The children looked after on `checked.as_of`, as records the store can write.

    `la` is the importing LA (a gazetteer area name: inside or outside the LA is judged
    against it); ids are `id_prefix` + CHILD, the prefix defaulting to `la_id_prefix(la)`
    so that two LAs' children never share an id. Raises ValueError for an unknown LA.
    """
    gaz = gaz or gazetteer()
    if la not in set(gaz.area):
        raise ValueError(f"unknown LA {la!r}: not an area of the gazetteer")
    prefix = la_id_prefix(la) if id_prefix is None else id_prefix
    report = checked.report.copy()  # rebuilding again (another LA, prefix) starts afresh
    report.la = la
    as_of = checked.as_of
    states: dict[str, int] = defaultdict(int)
    states["in_header"] = len(checked.headers)
    out: list[CareChild] = []
    periods: dict[str, tuple[Period, ...]] = {}
    for code, header in checked.headers.items():
        episodes = checked.episodes.get(code)
        if not episodes:
            states["no_episodes"] += 1
            continue
        found = periods_of_care(episodes)
        periods[code] = tuple(found)
        why_not, now = _placement_on(header, found, as_of)
        if now is None:
            states[why_not] += 1
            continue
        current, episode, age = now
        kid = _child(checked, report, header, current, episode, la, prefix + code, age, gaz)
        _count_child(states, kid)
        out.append(kid)
    groups: list[dict[str, Any]] = []
    if siblings is not None:
        current_ids = {k.code: k.id for k in out}
        groups = sibling_groups(siblings, checked.headers, current_ids, report, prefix)
        states["sibling_groups"] = len(groups)
    report.children = {k: states[k] for k in _COUNTS if k in states}
    return Import(la, as_of, checked.year, tuple(out), tuple(groups), report, periods)


#: The report's counts of children, in the order shown.
_COUNTS = (
    "in_header",
    "looked_after",
    "short_breaks_only",
    "left_care",
    "not_yet_looked_after",
    "no_episodes",
    "over_25",
    "placed_for_adoption",
    "adoption_plans",
    "home_unknown",
    "sibling_groups",
)


def _placement_on(
    header: HeaderRecord, found: Sequence[Period], as_of: date
) -> tuple[str, tuple[Period, Episode, int] | None]:
    """The period of care open on `as_of`, its episode then and the child's age; or why
    the child is not counted as looked after (the name of a count) and None."""
    current = next((p for p in found if p.open_on(as_of)), None)
    if current is None:
        started = any(p.start <= as_of for p in found)
        return ("left_care" if started else "not_yet_looked_after"), None
    episode = next(e for e in reversed(current.episodes) if e.decom <= as_of)
    if episode.ls in codes.SHORT_BREAKS:
        return "short_breaks_only", None
    age = age_on(header.dob, as_of)
    if age > MAX_AGE:
        return "over_25", None
    return "looked_after", (current, episode, age)


def _count_child(states: dict[str, int], kid: CareChild) -> None:
    """Count a child looked after, with an adoption plan or placement, or no home."""
    states["looked_after"] += 1
    if "adoption" in kid.child:
        states["adoption_plans"] += 1
    if kid.placement.kind == "adoption":
        states["placed_for_adoption"] += 1
    if kid.child["home"] is None:
        states["home_unknown"] += 1


def _child(
    checked: Checked,
    report: Report,
    header: HeaderRecord,
    period: Period,
    episode: Episode,
    la: str,
    child_id: str,
    age: int,
    gaz: Gazetteer,
) -> CareChild:
    """A child looked after, as the store keeps them: the problem-format record and the
    placement they live in on `checked.as_of`."""
    as_of = checked.as_of
    episodes = [e for e in period.episodes if e.decom <= as_of]
    home = episode.home or next((e.home for e in reversed(episodes) if e.home), None)
    placement = _current_placement(episodes, episode, home, la, gaz)
    accepts = [_usual_kind(episodes) or FALLBACK_KIND]
    adoption = _adoption_plan(checked, report, header.child, period, episode, placement.start)
    if adoption is not None and "adoption" not in accepts:
        accepts.append("adoption")
    needs, sdq = _needs(checked, header.child)
    record: dict[str, Any] = {"id": child_id, "la": la, "age": age, "sex": header.sex}
    if header.ethnicity:
        record["ethnicity"] = header.ethnicity
    record["home"] = home
    record["accepts"] = accepts
    record["needs"] = needs
    if adoption is not None:
        record["adoption"] = adoption
    return CareChild(
        code=header.child,
        child=record,
        date_of_birth=header.dob,
        legal_status=episode.ls,
        period_start=period.start,
        placement=placement,
        sdq_score=sdq,
        row=header.row,
    )


def _current_placement(
    episodes: Sequence[Episode], episode: Episode, home: str | None, la: str, gaz: Gazetteer
) -> Placement:
    """The placement of `episode`, started with the first of the episodes before it
    that kept the same carer (RNE codes.SAME_CARER)."""
    start = episodes.index(episode)
    while start > 0 and episodes[start].rne in codes.SAME_CARER:
        start -= 1
    return Placement(
        kind=codes.place_kind(episode.place),
        provider=codes.product_provider(episode.place, episode.provider),
        place=episode.place,
        place_provider=episode.provider,
        postcode=episode.pl_post,
        outcode=episode.pl,
        distance_km=gaz.km(home, episode.pl) if home and episode.pl else None,
        out_of_la=None if episode.pl is None else gaz.area_of(episode.pl) != la,
        urn=episode.urn,
        start=episodes[start].decom,
    )


def _usual_kind(episodes: Sequence[Episode]) -> str | None:
    """The kind of the child's usual placement, which the plan follows: a temporary
    move (T codes) keeps it."""
    usual = next(
        (e for e in reversed(episodes) if e.place and e.place not in codes.TEMPORARY_PLACES),
        None,
    )
    return codes.place_kind(usual.place) if usual else None


def _needs(checked: Checked, child: str) -> tuple[list[str], int | None]:
    """Needs the 903 shows (UASC until the DUC, emotional/behavioural from a high SDQ
    score, exploitation risk from going missing again and again), in NEEDS order, and
    the SDQ score."""
    needs = set()
    if _missing_repeatedly(checked, child):
        needs.add("exploitation_risk")
    uasc = checked.uasc.get(child)
    if uasc is not None and (uasc.duc is None or uasc.duc > checked.as_of):
        needs.add("uasc")
    oc2 = checked.oc2.get(child)
    sdq = oc2.sdq if oc2 else None
    if sdq is not None and sdq >= codes.SDQ_CONCERN:
        needs.add("emotional_behavioural")
    return [n for n in NEEDS if n in needs], sdq


def _missing_repeatedly(checked: Checked, child: str) -> bool:
    """Whether the child went missing (MISSING M, not "away") codes.MISSING_REPEATED times
    or more in the year up to `as_of`: going missing again and again is the sign of
    exploitation the statutory guidance on children missing from care names first."""
    year_before = checked.as_of - timedelta(days=365)
    recent = [
        m
        for m in checked.missing.get(child, ())
        if m.kind == "M" and year_before < m.start <= checked.as_of
    ]
    return len(recent) >= codes.MISSING_REPEATED


def _adoption_plan(
    checked: Checked,
    report: Report,
    child: str,
    period: Period,
    episode: Episode,
    placed_on: date,
) -> dict[str, Any] | None:
    """The adoption object when the plan is adoption: a placement (or freeing) order, an
    open decision that the child should be placed for adoption, or a fostering-for-
    adoption placement. Waiting counts from the decision (DATE_PLACED)."""
    as_of = checked.as_of
    decisions = [d for d in checked.adoption.get(child, ()) if d.open_on(as_of)]
    has_order = episode.ls in codes.ADOPTION_ORDERS
    ffa = episode.place in codes.FFA_PLACES
    if codes.place_kind(episode.place) == "adoption" or not (has_order or decisions or ffa):
        return None  # placed for adoption already, or no adoption plan
    orders = [e for e in period.episodes if e.ls in codes.ADOPTION_ORDERS and e.decom <= as_of]
    order_date = orders[0].decom if orders else None
    if decisions:
        waiting = decisions[-1].placed
    else:
        waiting = order_date or placed_on
        first = orders[0] if orders else episode
        what = (
            f"LS {first.ls} from {first.decom:%d/%m/%Y}"
            if orders
            else f"PLACE {episode.place} from {placed_on:%d/%m/%Y}"
        )
        report.add(
            Issue(
                "episodes",
                first.row,
                "LS" if orders else "PLACE",
                first.ls if orders else episode.place,
                "no_date_placed",
                f"CHILD {child}'s plan is adoption ({what}) but no open DATE_PLACED: "
                f"waiting counted from {waiting:%d/%m/%Y}",
                "warning",
                first.where,
            )
        )
    plan: dict[str, Any] = {"waiting_since": waiting.isoformat()}
    if order_date is not None:
        plan["placement_order_date"] = order_date.isoformat()
    if ffa:
        plan["early_permanence"] = True
    return plan


def sibling_groups(
    siblings: Table,
    headers: Mapping[str, HeaderRecord],
    current: Mapping[str, str],
    report: Report,
    prefix: str = "",
) -> list[dict[str, Any]]:
    """Sibling groups from links (child, sibling, policy): the connected children.

    `current` maps the CHILD codes looked after on the day to their ids; members who
    are not are left out, and a group needs two. Links that disagree on the policy give
    the group the least binding one, with a warning.
    """
    links, sets = _sibling_links(siblings, headers, report)
    members: dict[str, list[str]] = defaultdict(list)
    for code in sorted(sets.parent, key=_natural):
        members[sets.find(code)].append(code)
    by_root: dict[str, list[tuple[Row, str]]] = defaultdict(list)
    for row, a, _, policy in links:
        by_root[sets.find(a)].append((row, policy))
    groups: list[dict[str, Any]] = []
    for root, codes_ in sorted(members.items(), key=lambda kv: _natural(kv[1][0])):
        ids = [current[c] for c in codes_ if c in current]
        if len(ids) < 2:
            continue
        policy = _group_policy(siblings.name, codes_, by_root[root], report)
        # Named after the first member, so a later import of the same links names the
        # same group (the store updates it rather than making another).
        first = next(c for c in codes_ if c in current)
        groups.append({"id": f"{prefix}G-{first}", "children": ids, "policy": policy})
    return groups


class _DisjointSets:
    """Union-find over CHILD codes (path halving); `parent` lists every code seen."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        while self.parent.setdefault(x, x) != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        root_b = self.find(b)
        self.parent[self.find(a)] = root_b


def _sibling_links(
    siblings: Table, headers: Mapping[str, HeaderRecord], report: Report
) -> tuple[list[tuple[Row, str, str, str]], _DisjointSets]:
    """The usable links (row, child, sibling, policy) and the children they connect;
    a faulty link is an error and skipped, and the table is counted in the report."""
    name = siblings.name
    report.tables[name] = counts = TableCounts(read=len(siblings.rows))
    sets = _DisjointSets()
    links: list[tuple[Row, str, str, str]] = []
    for row in siblings.rows:
        a, b, policy = row.get("child"), row.get("sibling"), row.get("policy").lower()
        fault = _link_fault(a, b, policy, headers)
        if fault:
            column, value, rule, message = fault
            report.add(
                Issue(name, row.number, column, value, rule, message + ": link skipped", "error")
            )
            counts.skipped += 1
            continue
        links.append((row, a, b, policy))
        sets.union(a, b)
    counts.imported = counts.read - counts.skipped
    return links, sets


def _group_policy(
    table: str, codes_: Sequence[str], links: Sequence[tuple[Row, str]], report: Report
) -> str:
    """The least binding policy of a group's links, with a warning when they disagree."""
    policies = {p for _, p in links}
    policy = min(policies, key=_BINDING.__getitem__)
    if len(policies) > 1:
        row = next(r for r, p in links if p != policy)
        report.add(
            Issue(
                table,
                row.number,
                "policy",
                row.get("policy"),
                "policy_conflict",
                f"the links between {', '.join(codes_)} disagree "
                f"({', '.join(sorted(policies, key=_BINDING.__getitem__))}): "
                f"the group is '{policy}'",
                "warning",
            )
        )
    return policy


def _link_fault(
    a: str, b: str, policy: str, headers: Mapping[str, HeaderRecord]
) -> tuple[str, str, str, str] | None:
    for column, value in (("child", a), ("sibling", b)):
        if not value:
            return column, "", "required_blank", f"{column} is blank"
    if a == b:
        return "sibling", b, "same_child", f"CHILD {a} is linked to themselves"
    if policy not in SIBLING_POLICIES:
        return "policy", policy, "unknown_policy", f"policy {policy!r} is not must, should or apart"
    for column, value in (("child", a), ("sibling", b)):
        if value not in headers:
            return column, value, "no_header", f"CHILD {value} is not a child in the extract"
    return None


def _natural(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (10**12, code)
