"""LA boundaries in admin routes, the audit log, households and writes (issue 13).

Each cross-LA test asks the same thing of another LA's record and of one that does not
exist, and expects the same answer (the ids aside), so nothing leaks.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

import store
from tests.api.conftest import Api


def sign_in_as(api: Api, name: str, role: str, las: list[str]) -> str:
    """One more signed-in user (`as_=name`)."""
    with store.transaction(api.engine) as s:
        api.users[name], api.tokens[name] = store.create_user(s, f"{name} user", role, las)
    return name


@pytest.fixture
def bradford_admin(api: Api) -> str:
    return sign_in_as(api, "bradford_admin", "admin", ["Bradford"])


def without(answer: Any, *ids: object) -> str:
    """An answer's text with the ids asked for blanked, to compare two answers."""
    body = answer.text
    for i in ids:
        body = body.replace(str(i), "<id>")
    return f"{answer.status_code} {body}"


def audit_log(api: Api, as_: str, **params: Any) -> list[dict[str, Any]]:
    answer = api.get("/audit", as_=as_, params={"limit": 1000, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def propose(api: Api, household: str, as_: str = "officer", **body: object) -> Any:
    return api.post("/proposals", as_=as_, json={"household_id": household, **body})


# --- users ---------------------------------------------------------------------------


def test_an_admin_lists_only_the_users_within_their_las(api: Api) -> None:
    """Tests that GET /users is a page of the accounts whose LAs are all the admin's."""
    answer = api.get("/users", as_="manager", params={"limit": 2})
    assert answer.status_code == 200
    first = answer.json()
    assert set(first) == {"items", "offset", "limit", "next_offset"}
    assert first["next_offset"] == 2 and len(first["items"]) == 2
    rest = api.get("/users", as_="manager", params={"offset": 2}).json()
    names = {u["name"] for u in first["items"] + rest["items"]}
    assert names == {"officer user", "manager user", "planner user"}
    assert rest["next_offset"] is None


def test_another_las_user_is_404_like_an_unknown_one(api: Api) -> None:
    """Tests that revoking or reactivating a user with an LA outside the admin's (the
    Bradford officer; the Leeds and Bradford family-finder) answers as no user does, and
    changes nothing."""
    for who in ("bradford", "finder"):
        uid = api.users[who].id
        for verb in ("revoke", "reactivate"):
            theirs = api.post(f"/users/{uid}/{verb}", as_="manager")
            nobody = api.post(f"/users/99999/{verb}", as_="manager")
            assert theirs.status_code == 404
            assert without(theirs, uid) == without(nobody, 99999)
        assert api.get("/me", as_=who).status_code == 200
    assert api.audit(action="user.deactivate") == []


def test_a_revoked_user_is_reactivated_with_a_new_token(api: Api) -> None:
    """Tests that reactivation gives a fresh token shown once, the revoked one staying
    dead, refuses an active account, and is audited."""
    uid = api.users["officer"].id
    old = api.tokens["officer"]
    assert api.post(f"/users/{uid}/reactivate", as_="manager").status_code == 409  # active
    assert api.post(f"/users/{uid}/revoke", as_="manager").status_code == 200
    back = api.post(f"/users/{uid}/reactivate", as_="manager")
    assert back.status_code == 200, back.text
    assert back.json()["user"]["active"] is True
    new = back.json()["token"]
    assert new.startswith("pm_") and new != old
    assert api.client.get("/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert api.client.get("/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert new not in str(api.get("/users", as_="manager").json())
    [entry] = api.audit(action="user.reactivate")
    assert entry.object_id == str(uid) and entry.user_id == api.users["manager"].id


# --- the audit log -------------------------------------------------------------------


def test_another_las_child_in_the_audit_is_like_an_unknown_child(
    api: Api, bradford_admin: str
) -> None:
    """Tests that a Leeds admin asking the log for a Bradford child's trail gets what an
    unknown id gets (nothing), while Bradford's admin sees it."""
    assert api.get("/children/B1", as_="bradford").status_code == 200
    assert api.get("/children/B1/matches", as_="bradford").status_code == 200
    theirs = api.get("/audit", as_="manager", params={"child_id": "B1"})
    nobody = api.get("/audit", as_="manager", params={"child_id": "NOBODY"})
    assert theirs.json() == nobody.json() == {"items": [], "next_before_id": None}
    seen = {e["action"] for e in audit_log(api, bradford_admin, child_id="B1")}
    assert {"child.read", "match.rank"} <= seen
    assert "B1" not in str(audit_log(api, "manager"))


def test_an_entry_names_only_the_readers_las_children(api: Api, bradford_admin: str) -> None:
    """Tests that an entry about children of two LAs (a regional family-finder's list)
    is shown to each LA's admin with only that LA's children."""
    assert api.get("/children", as_="finder", params={"limit": 100}).status_code == 200
    [leeds] = audit_log(api, "manager", action="child.list")
    [bradford] = audit_log(api, bradford_admin, action="child.list")
    assert leeds["id"] == bradford["id"]
    assert sorted(leeds["child_ids"]) == ["C1", "C2", "C3", "C4", "S1", "S2"]
    assert bradford["child_ids"] == ["B1"]
    [everything] = api.audit(action="child.list")  # the store, unbounded, keeps all
    assert "B1" in everything.child_ids and "C1" in everything.child_ids


def test_entries_about_no_child_concern_the_actors_las(api: Api, bradford_admin: str) -> None:
    """Tests that an entry about no child (an admin reading the log) is shown only to
    admins of the acting user's LAs."""
    audit_log(api, bradford_admin)
    mine = audit_log(api, "manager", action="audit.read")
    assert [e["user_id"] for e in mine] == []
    theirs = audit_log(api, bradford_admin, action="audit.read")
    assert {e["user_id"] for e in theirs} == {api.users[bradford_admin].id}


def test_a_user_entry_concerns_the_accounts_las(api: Api, bradford_admin: str) -> None:
    """Tests that creating an account is in the log of the account's LAs: a Leeds one in
    Leeds's, the Leeds and Bradford family-finder's in both."""
    body = {"name": "New officer", "role": "placement_officer", "las": ["Leeds"]}
    made = api.post("/users", json=body, as_="manager").json()["user"]
    created = {e["object_id"] for e in audit_log(api, "manager", action="user.create")}
    assert str(made["id"]) in created
    leeds = {str(api.users[n].id) for n in ("officer", "manager", "planner", "finder")}
    assert created == leeds | {str(made["id"])}
    bradford = {e["object_id"] for e in audit_log(api, bradford_admin, action="user.create")}
    assert bradford == {str(api.users[n].id) for n in ("bradford", "finder", bradford_admin)}


# --- probes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/children/{}", "child.not_found"),
        ("/sibling-groups/{}", "sibling_group.not_found"),
        ("/children/{}/care-record", "care_record.not_found"),
    ],
)
def test_a_probe_leaves_the_same_trace_for_any_id(
    api: Api, bradford_admin: str, path: str, action: str
) -> None:
    """Tests that asking for another LA's record and for one that does not exist each
    leave an entry for the asker's LA, alike but for the id, naming no child, and
    nothing in the other LA's log."""
    theirs = api.get(path.format("B1"))
    nobody = api.get(path.format("NOBODY"))
    assert theirs.status_code == nobody.status_code == 404
    assert without(theirs, "B1") == without(nobody, "NOBODY")
    entries = audit_log(api, "manager", action=action)
    assert [e["object_id"] for e in entries] == ["NOBODY", "B1"]
    assert all(e["child_ids"] == [] for e in entries)
    assert entries[0]["detail"] == entries[1]["detail"] == {"method": "GET", "id_unreadable": False}
    assert {e["user_id"] for e in entries} == {api.users["officer"].id}
    assert audit_log(api, bradford_admin, action=action) == []


def test_probes_of_numbered_records_and_odd_ids_are_traced(api: Api) -> None:
    """Tests that unknown proposals, referrals and placements leave a trace, and an id
    that is not id-like text is recorded as unreadable, never echoed."""
    for kind in ("proposals", "referrals", "placements"):
        assert api.get(f"/{kind}/424242").status_code == 404
    assert api.get("/children/Jane Smith").status_code == 404
    by_action = {e["action"]: e for e in audit_log(api, "manager") if "not_found" in e["action"]}
    assert {by_action[a]["object_id"] for a in ("proposal.not_found", "referral.not_found")} == {
        "424242"
    }
    assert by_action["placement.not_found"]["object_id"] == "424242"
    odd = by_action["child.not_found"]
    assert odd["object_id"] is None and odd["detail"]["id_unreadable"] is True
    assert "Jane" not in str(audit_log(api, "manager"))


# --- households ----------------------------------------------------------------------


def kinship(api: Api, id: str = "K1", la: str = "Leeds", children: tuple[str, ...] = ()) -> str:
    with store.transaction(api.engine) as s:
        store.create_household(
            s,
            {
                "id": id,
                "la": la,
                "kind": "kinship",
                "provider": "in_house",
                "location": "LS12",
                "min_age": 0,
                "max_age": 17,
                "vacancies": 2,
                "available_from": "2026-01-01",
                "weekly_cost": 300,
                "connected_children": list(children),
            },
            by=None,
        )
    return id


def test_connected_children_are_shown_only_to_their_las(api: Api) -> None:
    """Tests that a kinship household connected to a Leeds and a Bradford child shows
    each LA's staff only their own child, and each read is audited with those ids."""
    kinship(api, "K1", children=("C1", "B1"))
    assert api.get("/carers/K1").json()["connected_children"] == ["C1"]
    assert api.get("/carers/K1", as_="bradford").json()["connected_children"] == ["B1"]
    assert api.get("/carers/K1", as_="finder").json()["connected_children"] == ["C1", "B1"]
    listed = api.get("/carers", params={"kind": "kinship"}).json()["items"]
    assert [h["connected_children"] for h in listed] == [["C1"]]
    reads = [(e.user_id, e.child_ids) for e in api.audit(action="household.read")]
    assert reads[::-1] == [
        (api.users["officer"].id, ["C1"]),
        (api.users["bradford"].id, ["B1"]),
        (api.users["finder"].id, ["C1", "B1"]),
    ]
    assert api.audit(action="household.list")[0].child_ids == ["C1"]
    api.get("/carers/H1")
    assert len(api.audit(action="household.read")) == 3  # no child named: not audited


def test_a_write_naming_another_las_child_is_like_an_unknown_child(api: Api) -> None:
    """Tests that connecting a household to a Bradford child answers exactly as an
    unknown child does (422, the same text) and writes nothing."""
    kinship(api, "K1", children=("C1",))
    theirs = api.patch("/carers/K1", json={"connected_children": ["C1", "B1"]})
    nobody = api.patch("/carers/K1", json={"connected_children": ["C1", "NOBODY"]})
    assert theirs.status_code == 422
    assert without(theirs, "B1") == without(nobody, "NOBODY")
    assert api.get("/carers/K1", as_="finder").json()["connected_children"] == ["C1"]
    assert api.audit(action="household.update") == []
    new = {k: v for k, v in api.get("/carers/K1").json().items() if k != "occupied"}
    theirs = api.post("/carers", json=new | {"id": "K2", "connected_children": ["B1"]})
    nobody = api.post("/carers", json=new | {"id": "K2", "connected_children": ["NOBODY"]})
    assert theirs.status_code == 422 and without(theirs, "B1") == without(nobody, "NOBODY")
    assert api.get("/carers/K2").status_code == 404


def test_a_change_keeps_the_connected_children_the_writer_cannot_see(api: Api) -> None:
    """Tests that a Leeds officer replacing the connected children they see leaves a
    Bradford child's connection as it was."""
    kinship(api, "K1", children=("C1", "B1"))
    changed = api.patch("/carers/K1", json={"connected_children": ["C2"]})
    assert changed.status_code == 200 and changed.json()["connected_children"] == ["C2"]
    assert api.get("/carers/K1", as_="finder").json()["connected_children"] == ["C2", "B1"]


def test_only_a_households_own_la_changes_it(api: Api) -> None:
    """Tests that another LA's household cannot be changed, added or moved in (403
    naming its LA), by staff who may still read it; its own LA's staff may."""
    refused = api.patch("/carers/H9", json={"weekly_cost": 1})
    assert refused.status_code == 403 and "Bradford" in refused.json()["detail"]
    assert api.get("/carers/H9").status_code == 200
    assert api.patch("/carers/H9", as_="bradford", json={"weekly_cost": 1}).status_code == 200
    assert api.patch("/carers/H1", json={"la": "Bradford"}).status_code == 403
    new = {k: v for k, v in api.get("/carers/H9").json().items() if k != "occupied"}
    assert api.post("/carers", json=new | {"id": "H10"}).status_code == 403
    assert api.post("/carers", as_="bradford", json=new | {"id": "H10"}).status_code == 201
    [update] = api.audit(action="household.update")
    assert update.user_id == api.users["bradford"].id


def test_a_lived_in_place_cannot_be_made_free(api: Api) -> None:
    """Tests that with a child living in one of H3's two places, neither vacancies nor
    places can be set so that place shows free (422 naming the field and saying how
    many live there), and that ending the placement frees it."""
    made = propose(api, "H3", child_id="C1").json()
    placement = api.post(f"/proposals/{made['id']}/confirm").json()["placements"][0]
    carer = api.get("/carers/H3").json()
    assert (carer["places"], carer["vacancies"], carer["occupied"]) == (2, 1, 1)
    too_many = api.patch("/carers/H3", json={"vacancies": 2})
    assert too_many.status_code == 422
    [error] = too_many.json()["errors"]
    assert error["field"] == "body.vacancies" and "1 child(ren) live there" in error["message"]
    shrunk = api.patch("/carers/H3", json={"places": 1})
    assert shrunk.json()["errors"][0]["field"] == "body.places"
    assert api.patch("/carers/H3", json={"places": 1, "vacancies": 0}).status_code == 200
    api.post(f"/placements/{placement['id']}/end", json={"reason": "returned home"})
    carer = api.get("/carers/H3").json()
    assert (carer["places"], carer["vacancies"], carer["occupied"]) == (1, 1, 0)


def test_a_held_place_cannot_be_taken_away(api: Api) -> None:
    """Tests that a Bradford officer's hold on a Leeds household survives the Leeds
    officer's attempt to set its vacancies to zero (422 naming the held place), and
    confirms."""
    held = propose(api, "H3", as_="bradford", child_id="B1")
    assert held.status_code == 201, held.text
    refused = api.patch("/carers/H3", json={"vacancies": 0})
    assert refused.status_code == 422
    assert "1 place(s) are held by live proposals" in refused.json()["errors"][0]["message"]
    assert api.patch("/carers/H3", json={"vacancies": 1}).status_code == 200  # one unheld
    assert api.post(f"/proposals/{held.json()['id']}/confirm", as_="bradford").status_code == 200


def test_the_database_refuses_a_free_place_someone_lives_in(api: Api) -> None:
    """Tests the CHECK behind the store: no UPDATE can show a lived-in place as free."""
    made = propose(api, "H1", child_id="C1").json()
    assert api.post(f"/proposals/{made['id']}/confirm").status_code == 200
    with pytest.raises(Exception, match="(?i)check"), api.engine.begin() as conn:
        conn.execute(text("UPDATE household SET vacancies = 1 WHERE id = 'H1'"))


# --- writes that could tell whether an id exists ------------------------------------


def test_a_taken_id_answers_alike_whichever_la_holds_it(api: Api) -> None:
    """Tests that creating a child or a group under an id already held answers the same
    whether the id is the writer's own LA's or another's (ids are global keys: see
    docs/security.md)."""
    child = {"la": "Leeds", "age": 4, "sex": "F", "home": "LS9", "accepts": ["foster"]}
    own = api.post("/children", json=child | {"id": "C1"})
    other = api.post("/children", json=child | {"id": "B1"})
    assert own.status_code == 409 and without(own, "C1") == without(other, "B1")
    group = {"children": ["C1", "C2"], "policy": "should"}
    own = api.post("/sibling-groups", json=group | {"id": "G1"})
    with store.transaction(api.engine) as s:
        store.create_child(s, {**child, "id": "B2", "la": "Bradford", "home": "BD1"}, by=None)
        store.create_group(s, {"id": "GB", "children": ["B1", "B2"], "policy": "must"}, by=None)
    other = api.post("/sibling-groups", json=group | {"id": "GB"})
    assert own.status_code == 409 and without(own, "G1") == without(other, "GB")


def test_a_group_naming_another_las_child_is_like_an_unknown_child(api: Api) -> None:
    """Tests that recording or changing a sibling group with a Bradford child answers as
    an unknown child does."""
    theirs = api.post(
        "/sibling-groups", json={"id": "G9", "children": ["C1", "B1"], "policy": "must"}
    )
    nobody = api.post(
        "/sibling-groups", json={"id": "G9", "children": ["C1", "NOBODY"], "policy": "must"}
    )
    assert theirs.status_code == 422 and without(theirs, "B1") == without(nobody, "NOBODY")
    theirs = api.patch("/sibling-groups/G1", json={"children": ["S1", "B1"]})
    nobody = api.patch("/sibling-groups/G1", json={"children": ["S1", "NOBODY"]})
    assert theirs.status_code == 422 and without(theirs, "B1") == without(nobody, "NOBODY")


# --- refused proposals and held referrals -------------------------------------------


def test_a_refused_proposal_is_kept_with_its_reasons(api: Api) -> None:
    """Tests that a match refused for a hard rule is kept as `refused` with the rules
    broken, holds nothing, cannot be confirmed, and is audited with rule ids only."""
    assert propose(api, "H2", child_id="C1").status_code == 422  # H2 takes under-6s
    [kept] = api.get("/proposals", params={"status": "refused"}).json()["items"]
    assert kept["status"] == "refused" and kept["holding"] is False
    assert kept["children"] == ["C1"] and kept["household_id"] == "H2"
    assert [r["rule"] for r in kept["rules"]] == ["age_range"]
    assert api.post(f"/proposals/{kept['id']}/confirm").status_code == 409
    assert api.get("/proposals", params={"status": "proposed"}).json()["items"] == []
    [entry] = api.audit(action="proposal.refuse")
    assert entry.child_ids == ["C1"] and entry.detail["rules"] == ["age_range"]
    assert propose(api, "H1", child_id="C1").status_code == 201  # C1 may still be proposed
    assert api.get("/proposals/{}".format(kept["id"]), as_="bradford").status_code == 404


def test_an_open_referral_shows_the_proposal_holding_it(api: Api) -> None:
    """Tests that a referral whose child has a place held shows the live proposal (id,
    household, hold_until) in the list and alone, and not once it is declined."""
    made = propose(api, "H1", child_id="C1").json()
    [listed] = api.get("/referrals", params={"child_id": "C1"}).json()["items"]
    assert listed["status"] == "open"
    assert listed["proposal"] == {
        "id": made["id"],
        "household_id": "H1",
        "hold_until": listed["proposal"]["hold_until"],
    }
    assert listed["proposal"]["hold_until"][:16] == made["hold_until"][:16]
    assert api.get(f"/referrals/{listed['id']}").json()["proposal"]["id"] == made["id"]
    others = api.get("/referrals").json()["items"]
    assert [r["proposal"] for r in others if r["child_id"] != "C1"] == [None] * 4
    api.post(f"/proposals/{made['id']}/decline", json={"reason": "carer withdrew"})
    assert api.get(f"/referrals/{listed['id']}").json()["proposal"] is None
