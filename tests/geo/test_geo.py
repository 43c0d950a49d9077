"""Outcodes, postcodes and straight-line distance."""

from __future__ import annotations

import pytest

from geo import KM_PER_MILE, UnknownOutcode, gazetteer, outcode_of


@pytest.mark.parametrize(
    "text",
    ["LS9 7TF", "ls9 7tf", "LS97TF", "ls97tf", "  Ls9   7Tf ", "LS9", "ls9"],
)
def test_full_postcodes_and_outcodes_resolve_to_the_outcode(text: str) -> None:
    assert gazetteer().resolve(text) == "LS9"


@pytest.mark.parametrize(
    ("text", "outcode"),
    [("SW1A 1AA", "SW1A"), ("sw1a1aa", "SW1A"), ("M1 1AE", "M1"), ("m11ae", "M1"), ("BD1", "BD1")],
)
def test_outcode_of_handles_every_outcode_shape(text: str, outcode: str) -> None:
    assert outcode_of(text) == outcode
    assert gazetteer().resolve(text) == outcode


@pytest.mark.parametrize("text", ["ZZ99", "ZZ99 9ZZ", "LS99"])
def test_well_formed_but_unknown_outcodes_are_rejected(text: str) -> None:
    with pytest.raises(UnknownOutcode) as info:
        gazetteer().resolve(text)
    assert text in str(info.value)


@pytest.mark.parametrize("text", ["", "Leeds", "12345", "LS9 7", "LS9 TTF", "9LS", "LS9 7TF X"])
def test_malformed_postcodes_are_rejected(text: str) -> None:
    with pytest.raises(UnknownOutcode):
        gazetteer().resolve(text)


def test_every_known_outcode_is_already_its_own_normal_form() -> None:
    """Tests the ground of `Gazetteer.resolve`'s shortcut (a known outcode as written is
    returned as it is): every key of the gazetteer parses to itself."""
    assert [o for o in gazetteer().outcodes if outcode_of(o) != o] == []


def test_unknown_outcode_is_a_value_error_naming_the_value() -> None:
    with pytest.raises(ValueError, match="ZZ99"):
        gazetteer().resolve("ZZ99")


def test_ls9_to_ls12_is_about_5_9_km() -> None:
    assert gazetteer().km("LS9", "LS12") == pytest.approx(5.9, abs=0.05)


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    g = gazetteer()
    assert g.km("LS9", "BD1") == pytest.approx(g.km("BD1", "LS9"))
    assert g.km("LS9", "LS9") == 0.0


def test_distance_is_straight_line_at_national_scale() -> None:
    # Leeds centre to Westminster: about 273 km as the crow flies (170 miles).
    km = gazetteer().km("LS1", "SW1A")
    assert 265 < km < 280
    assert 165 < km / KM_PER_MILE < 175


def test_gazetteer_knows_the_areas_of_outcodes() -> None:
    g = gazetteer()
    assert g.area_of("LS9") == "Leeds"
    assert g.area_of("BD1") == "Bradford"
    assert "LS12" in g.outcodes_in("Leeds")
    assert "BD1" not in g.outcodes_in("Leeds")
    assert "LS9" in g and "ZZ99" not in g
    assert len(g.outcodes) > 2800
