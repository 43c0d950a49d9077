"""An SSDA903 import into the store, on SQLite and PostgreSQL: every child looked after
on the day with their care record, one transaction, re-imports that update rather than
duplicate, hand-kept fields left alone, sibling groups, and the baseline read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import select

import ssda903
import store
from store.errors import Forbidden, Invalid
from store.models import AuditEntry, CareRecord, ChildRecord, ImportRun, User
from store.ssda903 import care_imports, import_issues, list_imports, save_import
from tests.ssda903.helpers import EPISODES, HEADER, changed, extract, imported
from tests.store.helpers import REFERRAL

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "ssda903-sample"
LINKS = "child,sibling,policy\n101,102,should\n"


def _import(engine: Engine, by: User | None, imp: ssda903.Import, **kw: Any) -> store.ssda903.Saved:
    with store.transaction(engine) as s:
        return save_import(s, imp, by=by, files=["header.csv", "episodes.csv"], **kw)


def _children(engine: Engine) -> dict[str, ChildRecord]:
    with store.read_session(engine) as s:
        return {c.id: c for c in s.exec(select(ChildRecord))}


def test_an_import_writes_each_child_their_care_record_the_report_and_one_audit_entry(
    engine: Engine, officer: User
) -> None:
    saved = _import(engine, officer, imported())
    assert sorted(saved.created) == ["Leeds-101", "Leeds-102", "Leeds-103"]
    kids = _children(engine)
    assert kids["Leeds-103"].home is None  # no HOME_POST: unknown, not made up
    assert kids["Leeds-103"].needs == ["uasc"]
    assert kids["Leeds-101"].home == "LS9" and kids["Leeds-101"].date_of_birth is not None
    with store.read_session(engine) as s:
        care = {c.child_id: c for c in s.exec(select(CareRecord))}
        run = s.exec(select(ImportRun)).one()
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "child.import")).all()
    assert care["Leeds-102"].kind == "residential" and care["Leeds-102"].out_of_la is True
    assert care["Leeds-102"].outcode == "HX1" and care["Leeds-102"].distance_km > 0
    assert care["Leeds-101"].place == "U6" and care["Leeds-101"].provider == "in_house"
    assert run.la == "Leeds" and run.created == 3 and run.by == officer.id
    assert run.report["children"]["stored_created"] == 3
    assert run.files == ["header.csv", "episodes.csv"]
    assert len(entries) == 1 and sorted(entries[0].child_ids) == sorted(saved.created)


def test_no_full_placement_postcode_is_kept(engine: Engine) -> None:
    _import(engine, None, imported())
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM care_record")).all()
    assert rows and not any("LS12 1AA" in str(v) or "HX1 1AA" in str(v) for r in rows for v in r)


def test_importing_the_same_extract_again_changes_nothing_and_duplicates_nothing(
    engine: Engine,
) -> None:
    _import(engine, None, imported())
    again = _import(engine, None, imported())
    assert again.created == [] and again.updated == []
    assert sorted(again.unchanged) == ["Leeds-101", "Leeds-102", "Leeds-103"]
    with store.read_session(engine) as s:
        assert len(s.exec(select(ChildRecord)).all()) == 3
        care = s.exec(select(CareRecord)).all()
    assert len(care) == 3 and {c.import_id for c in care} == {again.run.id}


def test_a_reimport_updates_what_the_903_owns_and_keeps_what_people_added(
    engine: Engine,
) -> None:
    _import(engine, None, imported())
    with store.transaction(engine) as s:
        store.update_child(s, "Leeds-103", {"home": "LS11", "needs": ["uasc", "autism"]}, by=None)
    later = changed(HEADER, 0, ETHNIC="WIRI")
    saved = _import(engine, None, imported(extract(header=later)))
    assert sorted(saved.updated) == ["Leeds-101"]
    kids = _children(engine)
    assert kids["Leeds-101"].ethnicity == "WIRI"
    assert kids["Leeds-103"].home == "LS11"  # the 903 still has no HOME_POST
    assert kids["Leeds-103"].needs == ["autism", "uasc"]


def test_the_903_takes_back_a_need_it_no_longer_says(engine: Engine) -> None:
    _import(engine, None, imported())
    _import(engine, None, imported(extract(uasc=[])))
    assert _children(engine)["Leeds-103"].needs == []


def test_the_903_adds_an_exploitation_risk_and_leaves_it_to_people_to_remove(
    engine: Engine,
) -> None:
    _import(engine, None, imported())
    days = ("01/06/2023", "01/09/2023", "01/03/2024")
    missing = [{"CHILD": "101", "MISSING": "M", "MIS_START": d} for d in days]
    _import(engine, None, imported(extract(missing=missing)))
    assert _children(engine)["Leeds-101"].needs == ["exploitation_risk"]
    _import(engine, None, imported())  # no Missing table: the risk stays
    assert _children(engine)["Leeds-101"].needs == ["exploitation_risk"]


def test_an_import_is_one_transaction(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(store.ssda903_write.audit, "record", broken)
    with pytest.raises(RuntimeError):
        _import(engine, None, imported())
    with store.read_session(engine) as s:
        for table in (ChildRecord, CareRecord, ImportRun):
            assert s.exec(select(table)).all() == []


def test_another_las_extract_is_refused_and_nothing_written(engine: Engine, officer: User) -> None:
    imp = ssda903.import_extract(extract(), la="Bradford", as_of=imported().as_of)
    with pytest.raises(Forbidden):
        _import(engine, officer, imp, las=officer.las)
    assert _children(engine) == {}


def test_a_child_the_store_refuses_is_skipped_and_named_the_rest_imported(
    engine: Engine,
) -> None:
    from tests.store.helpers import child_data

    with store.transaction(engine) as s:  # an id taken by a Bradford record
        store.create_child(s, child_data("Leeds-102", la="Bradford"), by=None)
    saved = _import(engine, None, imported(), las=["Leeds"])
    assert saved.skipped == ["Leeds-102"]
    assert sorted(saved.created) == ["Leeds-101", "Leeds-103"]
    total, issues = import_issues(saved.run, rule="not_storable")
    assert total == 1 and issues[0]["row"] == 2 and "CHILD 102" in issues[0]["message"]
    assert _children(engine)["Leeds-102"].la == "Bradford"


def test_sibling_groups_are_made_updated_and_removed_with_the_siblings_file(
    engine: Engine,
) -> None:
    def with_links(text_: str) -> ssda903.Import:
        return imported(siblings=ssda903.parse_siblings(text_))

    saved = _import(engine, None, with_links(LINKS))
    assert saved.sibling_groups == ["Leeds-G-101"]
    _import(engine, None, with_links(LINKS.replace("should", "apart")))
    with store.read_session(engine) as s:
        group = store.siblings.get_group(s, "Leeds-G-101")
    assert group.policy == "apart" and group.children == ("Leeds-101", "Leeds-102")
    # must live together, but one is fostered and one in a children's home: refused
    saved = _import(engine, None, with_links(LINKS.replace("should", "must")))
    assert saved.sibling_groups == []
    assert import_issues(saved.run, rule="group_not_storable")[0] == 1
    _import(engine, None, with_links("child,sibling,policy\n101,103,should\n"))
    with store.read_session(engine) as s:
        groups = store.siblings.list_groups(s)
    assert [(g.id, g.children) for g in groups] == [("Leeds-G-101", ("Leeds-101", "Leeds-103"))]
    _import(engine, None, imported())  # no siblings file: groups left as they are
    with store.read_session(engine) as s:
        assert len(store.siblings.list_groups(s)) == 1


def test_a_group_clashing_with_one_made_by_hand_is_skipped_with_an_error(engine: Engine) -> None:
    _import(engine, None, imported())
    with store.transaction(engine) as s:
        store.siblings.create_group(
            s, {"id": "HAND", "children": ["Leeds-101", "Leeds-103"], "policy": "should"}, by=None
        )
    saved = _import(engine, None, imported(siblings=ssda903.parse_siblings(LINKS)))
    assert saved.sibling_groups == []
    total, issues = import_issues(saved.run, rule="group_not_storable")
    assert total == 1 and "already in sibling group HAND" in issues[0]["message"]
    assert len(_children(engine)) == 3


def test_the_baseline_read_back_from_the_store_is_the_imports_own(engine: Engine) -> None:
    imp = imported(siblings=ssda903.parse_siblings(LINKS))
    _import(engine, None, imp)
    with store.read_session(engine) as s:
        back = care_imports(s, las=["Leeds"])
        assert care_imports(s, las=["Bradford"]) == []
    direct, stored = ssda903.baseline(imp).to_dict(), ssda903.baseline(back).to_dict()
    assert stored == direct


def test_a_child_without_a_home_gets_no_referral_until_it_is_known(engine: Engine) -> None:
    _import(engine, None, imported())
    with store.transaction(engine) as s, pytest.raises(Invalid) as caught:
        store.open_referral(s, "Leeds-103", REFERRAL, by=None)
    assert caught.value.issues[0].field == "home"
    with store.transaction(engine) as s:
        store.update_child(s, "Leeds-103", {"home": "LS11"}, by=None)
        store.open_referral(s, "Leeds-103", REFERRAL, by=None)
    with store.transaction(engine) as s, pytest.raises(Invalid):
        store.update_child(s, "Leeds-103", {"home": None}, by=None)


def test_imports_are_listed_newest_first_within_the_callers_las(engine: Engine) -> None:
    first = _import(engine, None, imported()).run.id
    second = _import(engine, None, imported()).run.id
    with store.read_session(engine) as s:
        assert [r.id for r in list_imports(s, las=["Leeds"])] == [second, first]
        assert list_imports(s, las=["Kirklees"]) == []


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="the shared sample is not here")
def test_the_sample_extract_goes_into_the_store_whole(engine: Engine) -> None:
    imp = ssda903.import_extract(ssda903.read_extract(SAMPLE), la="Leeds")
    saved = _import(engine, None, imp)
    assert len(saved.created) == len(imp.children) == 1186 and saved.skipped == []
    with store.read_session(engine) as s:
        assert len(s.exec(select(CareRecord)).all()) == 1186
        unknown = s.exec(select(ChildRecord).where(ChildRecord.home == None)).all()  # noqa: E711
    assert len(unknown) == imp.report.children["home_unknown"]
    assert saved.run.report["errors"] == 0


def test_episodes_changed_between_imports_move_the_care_record(engine: Engine) -> None:
    _import(engine, None, imported())
    moved = changed(EPISODES, 0, PL_POST="BD1 1AA", PLACE="U3")
    _import(engine, None, imported(extract(episodes=moved)))
    with store.read_session(engine) as s:
        care = s.get(CareRecord, "Leeds-101")
    assert care is not None and care.outcode == "BD1" and care.kind == "kinship"
    assert care.out_of_la is True


def test_a_child_the_new_extract_no_longer_has_loses_their_care_record(engine: Engine) -> None:
    _import(engine, None, imported())
    left = changed(EPISODES, 2, DEC="01/03/2024", REC="E13")  # 103 left care in March
    saved = _import(engine, None, imported(extract(episodes=left)))
    assert saved.no_longer_looked_after == ["Leeds-103"]
    assert saved.run.report["children"]["stored_no_longer_looked_after"] == 1
    with store.read_session(engine) as s:
        assert {c.child_id for c in s.exec(select(CareRecord))} == {"Leeds-101", "Leeds-102"}
        assert ssda903.baseline(care_imports(s, las=["Leeds"])).looked_after == 2
    assert "Leeds-103" in _children(engine)  # the child's own record stays


def test_imports_of_one_la_at_the_same_time_queue_and_all_succeed(engine: Engine) -> None:
    from tests.store.test_concurrency import race

    imp = imported(siblings=ssda903.parse_siblings(LINKS))
    outcomes = race(6, lambda i: _import(engine, None, imp))
    assert outcomes == {"ok": 6}
    with store.read_session(engine) as s:
        runs = s.exec(select(ImportRun)).all()
        assert len(s.exec(select(ChildRecord)).all()) == 3
        assert len(s.exec(select(CareRecord)).all()) == 3
    assert sorted(r.created for r in runs) == [0, 0, 0, 0, 0, 3]
