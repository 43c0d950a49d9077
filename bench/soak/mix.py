"""An LA's working day as load: officers of five LAs, a regional family-finder, a
manager and a planner, all at once, each doing what their role does.

A virtual user keeps a desk: the children with an open referral it can see, the carers
its ranked matches named, the proposals it made, the placements it started. From those
it ranks, proposes (holding a place), confirms or declines, ends placements and opens
new referrals for the children who came back, so the region keeps turning over for as
long as the soak runs. Batch runs are started and read; a data officer uploads an LA's
903 extract every so often. Each action's answers that a correct service may give
(a 409 when another officer took the place first) are expected; anything else is an
error. Probes of other LAs' children must answer exactly as an unknown child does.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx

from bench.soak.client import Caller, Recorder, items_of
from bench.soak.server import Person

#: A 903 extract to upload: (la, {file name: CSV text}).
Extract = tuple[str, Mapping[str, str]]
UNKNOWN_CHILD = "SOAK-NO-SUCH-CHILD"


@dataclass
class Desk:
    """What one virtual user knows and has in hand."""

    person: Person
    caller: Caller
    rng: random.Random
    referred: list[str] = field(default_factory=list)
    referrals: list[int] = field(default_factory=list)
    matches: dict[str, list[str]] = field(default_factory=dict)
    carers: list[str] = field(default_factory=list)
    proposals: list[int] = field(default_factory=list)
    placements: list[tuple[int, str]] = field(default_factory=list)
    came_back: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    own: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    unknown_answer: str = ""

    def pick(self, items: Sequence[str]) -> str:
        return items[self.rng.randrange(len(items))]


def _refused_with_rules(answer: httpx.Response) -> bool:
    """A 422 on propose is right only when it names the hard rules the match breaks."""
    return answer.status_code != 422 or bool(answer.json().get("rules"))


async def list_referrals(d: Desk) -> bool:
    answer = await d.caller.call("GET", "GET /referrals", "/referrals?limit=200", {200})
    if answer is not None and answer.status_code == 200:
        items = items_of(answer)
        d.referred = [r["child_id"] for r in items]
        d.referrals = [r["id"] for r in items]
    return True


async def rank(d: Desk) -> bool:
    if not d.referred:
        return await list_referrals(d)
    child = d.pick(d.referred)
    route = "GET /children/{id}/matches"
    answer = await d.caller.call("GET", route, f"/children/{child}/matches?top=5", {200, 409})
    if answer is not None and answer.status_code == 200:
        d.matches[child] = [m["carer"] for m in answer.json()["matches"]]
    return True


async def read_child(d: Desk) -> bool:
    pool = d.referred or d.own
    if not pool:
        return False
    await d.caller.call("GET", "GET /children/{id}", f"/children/{d.pick(pool)}", {200})
    return True


async def read_referral(d: Desk) -> bool:
    if not d.referrals:
        return False
    rid = d.referrals[d.rng.randrange(len(d.referrals))]
    await d.caller.call("GET", "GET /referrals/{id}", f"/referrals/{rid}", {200})
    return True


async def list_carers(d: Desk) -> bool:
    la = d.pick(d.person.las)
    path = f"/carers?la={la}&with_vacancy=true&limit=100"
    answer = await d.caller.call("GET", "GET /carers", path, {200})
    if answer is not None and answer.status_code == 200:
        d.carers = [c["id"] for c in items_of(answer)]
    return True


async def read_carer(d: Desk) -> bool:
    if not d.carers:
        return False
    await d.caller.call("GET", "GET /carers/{id}", f"/carers/{d.pick(d.carers)}", {200})
    return True


async def update_carer(d: Desk) -> bool:
    """A supervising social worker records another year's experience (no capacity change)."""
    if not d.carers:
        return False
    body = {"years_experience": d.rng.randint(1, 30)}
    route = "PATCH /carers/{id}"
    await d.caller.call("PATCH", route, f"/carers/{d.pick(d.carers)}", {200}, json=body)
    return True


async def propose(d: Desk) -> bool:
    ranked = [c for c, carers in d.matches.items() if carers]
    if not ranked:
        return False
    child = d.pick(ranked)
    carer = d.matches.pop(child)[0]
    # One proposal in five holds briefly, so lapsed holds meet confirmations too.
    hours = 0.005 if d.rng.random() < 0.2 else 2
    body = {"household_id": carer, "child_id": child, "hold_hours": hours}
    answer = await d.caller.call(
        "POST", "POST /proposals", "/proposals", {201, 409, 422}, _refused_with_rules, json=body
    )
    if answer is not None and answer.status_code == 201:
        d.proposals.append(answer.json()["id"])
    return True


async def confirm(d: Desk) -> bool:
    if not d.proposals:
        return False
    pid = d.proposals.pop(d.rng.randrange(len(d.proposals)))
    route = "POST /proposals/{id}/confirm"
    answer = await d.caller.call("POST", route, f"/proposals/{pid}/confirm", {200, 409})
    if answer is not None and answer.status_code == 200:
        d.placements += [(p["id"], p["child_id"]) for p in answer.json()["placements"]]
    return True


async def decline(d: Desk) -> bool:
    if not d.proposals:
        return False
    pid = d.proposals.pop(d.rng.randrange(len(d.proposals)))
    body = {"reason": "the carer withdrew after meeting the child"}
    route = "POST /proposals/{id}/decline"
    await d.caller.call("POST", route, f"/proposals/{pid}/decline", {200, 409}, json=body)
    return True


async def end_placement(d: Desk) -> bool:
    if not d.placements:
        return False
    pid, child = d.placements.pop(d.rng.randrange(len(d.placements)))
    body = {"reason": "the placement broke down"}
    route = "POST /placements/{id}/end"
    answer = await d.caller.call("POST", route, f"/placements/{pid}/end", {200, 409}, json=body)
    if answer is not None and answer.status_code == 200:
        d.came_back.append(child)
    return True


async def open_referral(d: Desk) -> bool:
    if not d.came_back:
        return False
    child = d.came_back.pop()
    needed = date.today() + timedelta(days=d.rng.randint(0, 30))
    body = {"urgency": d.pick(("emergency", "urgent", "planned")), "needed_by": str(needed)}
    route = "POST /children/{id}/referrals"
    await d.caller.call("POST", route, f"/children/{child}/referrals", {201, 409}, json=body)
    return True


async def list_proposals(d: Desk) -> bool:
    path = "/proposals?status=proposed&limit=50"
    await d.caller.call("GET", "GET /proposals", path, {200})
    return True


async def list_placements(d: Desk) -> bool:
    await d.caller.call("GET", "GET /placements", "/placements?current=true&limit=50", {200})
    return True


async def start_run(d: Desk) -> bool:
    body = {"time_limit_s": 2}
    answer = await d.caller.call("POST", "POST /match-runs", "/match-runs", {202, 409}, json=body)
    if answer is not None and answer.status_code == 202:
        d.runs.append(answer.json()["id"])
    return True


async def read_run(d: Desk) -> bool:
    if not d.runs:
        return False
    run = d.pick(d.runs)
    answer = await d.caller.call("GET", "GET /match-runs/{id}", f"/match-runs/{run}", {200})
    if answer is not None and answer.status_code == 200 and answer.json()["status"] == "done":
        route = "GET /match-runs/{id}/result"
        await d.caller.call("GET", route, f"/match-runs/{run}/result", {200})
    return True


async def probe_other_la(d: Desk) -> bool:
    """Another LA's child must answer 404 in exactly the words an unknown child gets."""
    if not d.foreign:
        return False
    child = d.pick(d.foreign)

    def same_as_unknown(answer: httpx.Response) -> bool:
        return answer.text.replace(child, "{id}") == d.unknown_answer

    route = "GET /children/{id} (other LA)"
    await d.caller.call("GET", route, f"/children/{child}", {404}, same_as_unknown)
    return True


async def family_search(d: Desk) -> bool:
    if not d.referred:
        return False
    route = "GET /family-finding/children/{id}/adopters"
    path = f"/family-finding/children/{d.pick(d.referred)}/adopters?top=5"
    await d.caller.call("GET", route, path, {200, 409})
    return True


async def stats(d: Desk) -> bool:
    await d.caller.call("GET", "GET /stats", "/stats", {200})
    return True


async def baseline(d: Desk) -> bool:
    await d.caller.call("GET", "GET /baseline", "/baseline", {200, 404})
    return True


async def list_imports(d: Desk) -> bool:
    await d.caller.call("GET", "GET /imports", "/imports?limit=10", {200})
    return True


async def read_audit(d: Desk) -> bool:
    await d.caller.call("GET", "GET /audit", "/audit?limit=50", {200})
    return True


Action = Callable[[Desk], Awaitable[bool]]

_WORK: dict[Action, int] = {
    rank: 22, read_child: 10, list_referrals: 5, read_referral: 4, list_carers: 4,
    read_carer: 4, update_carer: 1, propose: 10, confirm: 6, decline: 2, end_placement: 4,
    open_referral: 4, list_proposals: 3, list_placements: 2, start_run: 1, read_run: 3,
    probe_other_la: 4, stats: 2, list_imports: 1,
}  # fmt: skip
#: What each role does, and how often (relative weights).
WEIGHTS: dict[str, dict[Action, int]] = {
    "placement_officer": _WORK,
    "family_finder": _WORK | {family_search: 6},
    "admin": {read_audit: 5, stats: 2, list_imports: 2, read_child: 2, list_referrals: 1},
    "planner": {stats: 4, baseline: 2},
}


async def act(d: Desk) -> None:
    """One action by the desk's role weights; one with nothing to work on ranks instead."""
    weights = WEIGHTS[d.person.role]
    action = d.rng.choices(list(weights), weights=list(weights.values()))[0]
    if not await action(d) and d.person.role in ("placement_officer", "family_finder"):
        await rank(d)


async def open_desk(d: Desk) -> None:
    """What a user looks at first: their referrals, carers with a vacancy, children."""
    d.unknown_answer = ""
    if d.person.role == "planner":
        return
    answer = await d.caller.call("GET", "GET /children", "/children?limit=1000", {200})
    if answer is not None and answer.status_code == 200:
        d.own = [c["id"] for c in items_of(answer)]
    await list_referrals(d)
    if d.person.role != "admin":
        await list_carers(d)
    unknown = await d.caller.call("GET", "GET /children/{id}", f"/children/{UNKNOWN_CHILD}", {404})
    if unknown is not None:
        d.unknown_answer = unknown.text.replace(UNKNOWN_CHILD, "{id}")


async def upload_903(caller: Caller, extract: Extract) -> None:
    """A data officer uploads their LA's 903 extract."""
    la, files = extract
    parts = [("files", (name, text.encode(), "text/csv")) for name, text in files.items()]
    await caller.call(
        "POST", "POST /imports/ssda903", "/imports/ssda903", {201}, files=parts, data={"la": la}
    )


def _roster(people: Mapping[str, Person], clients: int) -> list[Person]:
    order = list(people.values())
    return [order[k % len(order)] for k in range(clients)]


async def _desk_loop(d: Desk, stop_at: float, think_s: float) -> None:
    while time.monotonic() < stop_at:
        await act(d)
        await asyncio.sleep(d.rng.uniform(0, 2 * think_s))


async def _imports_loop(
    callers: Mapping[str, Caller], extracts: Sequence[Extract], every_s: float, stop_at: float
) -> None:
    k = 0
    while extracts and time.monotonic() + every_s <= stop_at:
        await asyncio.sleep(every_s)
        extract = extracts[k % len(extracts)]
        await upload_903(callers[extract[0]], extract)
        k += 1


async def _drive(
    url: str,
    people: Mapping[str, Person],
    recorder: Recorder,
    *,
    seconds: float,
    clients: int,
    think_s: float,
    extracts: Sequence[Extract],
    import_every_s: float,
    seed: int,
) -> None:
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        desks = [
            Desk(p, Caller(http, p.token, recorder), random.Random(seed * 1000 + k))
            for k, p in enumerate(_roster(people, clients))
        ]
        await asyncio.gather(*(open_desk(d) for d in desks))
        everyone = {c for d in desks for c in d.own}
        for d in desks:
            d.foreign = sorted(everyone - set(d.own)) if d.person.role != "family_finder" else []
        by_la = {
            p.las[0]: Caller(http, p.token, recorder)
            for p in people.values()
            if p.role == "placement_officer"
        }
        stop_at = time.monotonic() + seconds
        await asyncio.gather(
            *(_desk_loop(d, stop_at, think_s) for d in desks),
            _imports_loop(by_la, extracts, import_every_s, stop_at),
        )


def drive_mix(
    url: str,
    people: Mapping[str, Person],
    *,
    seconds: float,
    clients: int = 16,
    think_s: float = 0.1,
    extracts: Sequence[Extract] = (),
    import_every_s: float = 60.0,
    seed: int = 0,
) -> Recorder:
    """Run the day for `seconds` from `clients` concurrent users; the recorder."""
    recorder = Recorder()
    asyncio.run(
        _drive(
            url,
            people,
            recorder,
            seconds=seconds,
            clients=clients,
            think_s=think_s,
            extracts=extracts,
            import_every_s=import_every_s,
            seed=seed,
        )
    )
    return recorder


def demo_extracts(las: Sequence[str], seed: int = 0) -> list[Extract]:
    """Each LA's 903 extract of the generated standing population (Leeds's is the one
    the demo imported, so re-uploading it updates rather than creates)."""
    from ssda903.export import to_csv
    from synth.looked_after import generate_looked_after

    if not las:
        return []
    pop = generate_looked_after(None, seed=seed, las=tuple(las))
    return [(la, to_csv(pop.rows(la))) for la in las]
