"""The URL vocabulary (components/urls.py): links built, read back, titled."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

import pytest

from components import urls
from store import case_list
from vocab import Kind


def query_of(href: str) -> dict[str, str]:
    """A link's query parameters as Dash hands them to a page's layout."""
    return dict(parse_qsl(urlsplit(href).query))


def test_a_card_link_spells_the_danish_keys_and_values() -> None:
    href = urls.list_href(kpi="K3", center="HCK", result=case_list.MemberResult.NOT_MET)
    assert href == "/sager?kpi=K3&resultat=ikke-opfyldt&center=HCK"
    assert urls.list_href() == "/sager"
    assert urls.list_href(kpi="K3", center="ALL") == "/sager?kpi=K3"  # ALL = no center filter
    assert urls.page_href("/", "HCK") == "/?center=HCK" and urls.page_href("/klager") == "/klager"
    assert urls.data_quality_href("cpr-format", 12) == "/datakvalitet?regel=cpr-format&koersel=12"


@pytest.mark.parametrize(
    "flt",
    [
        case_list.ListFilter(),
        case_list.ListFilter(
            center="HCK", status=case_list.ListStatus.OVERDUE, kind=Kind.FOLLOW_UP
        ),
        case_list.ListFilter(
            kpi="K8", result=case_list.MemberResult.MET, team="(intet team)", caseworker="ufordelt"
        ),
        case_list.ListFilter(
            center="BFCK",
            kind=Kind.HANDLEPLAN,
            status=case_list.ListStatus.OPEN,
            due_from=dt.date(2026, 12, 1),
            due_to=dt.date(2026, 12, 31),
        ),
        case_list.ListFilter(team="SCK Team 2 & co", status=case_list.ListStatus.DUE_14),
    ],
)
def test_build_then_parse_gives_the_same_filter(flt: case_list.ListFilter) -> None:
    href = urls.list_href(flt)
    link = urls.parse_list(query_of(href), centers=["BFCK", "HCK", "SCK"])
    assert link.filter == flt
    assert link.not_understood == ()


def test_the_query_string_a_page_writes() -> None:
    flt = case_list.ListFilter(status=case_list.ListStatus.DUE_7, center="SCK")
    assert urls.list_search(flt) == "?center=SCK&status=forfalder-7"
    assert urls.list_query(flt) == {"center": "SCK", "status": "forfalder-7"}
    assert urls.list_search(case_list.ListFilter()) == ""


def test_values_not_understood_are_reported_not_dropped_silently() -> None:
    link = urls.parse_list(
        {
            "status": "overdue",
            "center": "hck",
            "type": "opfølgning",
            "kpi": "K99",
            "resultat": "ja",
            "forfald_fra": "1/12/2026",
            "sort": "due",
            "team": "HCK Team 1",
        },
        centers=["HCK"],
    )
    assert link.filter == case_list.ListFilter(team="HCK Team 1")
    assert link.not_understood == (
        ("status", "overdue"),
        ("center", "hck"),
        ("type", "opfølgning"),
        ("kpi", "K99"),
        ("resultat", "ja"),
        ("forfald_fra", "1/12/2026"),
        ("sort", "due"),
    )
    assert urls.not_understood_text(link.not_understood[:2]) == (
        "Ikke forstået i linket: status=overdue, center=hck"
    )
    assert urls.not_understood_text(()) == ""
    # empty values are no filter, not a misunderstanding
    assert urls.parse_list({"status": "", "center": " "}) == urls.ListLink(case_list.ListFilter())


def test_pages_read_their_center_and_datakvalitet_its_run() -> None:
    assert urls.parse_page({"center": "HCK"}, ["HCK", "SCK"]) == urls.PageLink("HCK")
    assert urls.parse_page({"center": "XX"}, ["HCK"]) == urls.PageLink(None, (("center", "XX"),))
    link = urls.parse_data_quality({"regel": "cpr-format", "koersel": "3"})
    assert (link.rule, link.run_id, link.not_understood) == ("cpr-format", 3, ())
    bad = urls.parse_data_quality({"koersel": "seneste"})
    assert bad.run_id is None and bad.not_understood == (("koersel", "seneste"),)


@pytest.mark.parametrize(
    ("flt", "worker", "title"),
    [
        (case_list.ListFilter(), None, ""),
        (
            case_list.ListFilter(center="HCK", status=case_list.ListStatus.OVERDUE),
            None,
            "Overskredne frister – HCK",
        ),
        (
            case_list.ListFilter(kpi="K3", result=case_list.MemberResult.NOT_MET, center="BFCK"),
            None,
            "K3 Rettidig opfølgning, børn: ikke opfyldt – BFCK",
        ),
        (
            case_list.ListFilter(kind=Kind.LETTER, status=case_list.ListStatus.OVERDUE),
            None,
            "Overskredne frister – Underretningsbrev",
        ),
        (
            case_list.ListFilter(center="SCK", team="(intet team)", caseworker="ufordelt"),
            None,
            "SCK – Intet team – Ufordelt",
        ),
        (
            case_list.ListFilter(caseworker="E7", status=case_list.ListStatus.DUE_14),
            "Anna Hansen",
            "Frister inden for 14 dage – Anna Hansen",
        ),
        (
            case_list.ListFilter(
                kind=Kind.FOLLOW_UP,
                status=case_list.ListStatus.OPEN,
                due_from=dt.date(2026, 12, 1),
                due_to=dt.date(2026, 12, 31),
            ),
            None,
            "Åbne frister – Opfølgning – frist 1. dec. 2026–31. dec. 2026",
        ),
        (case_list.ListFilter(due_from=dt.date(2027, 5, 3)), None, "frist fra 3. maj 2027"),
    ],
)
def test_the_danish_title_of_a_filter(
    flt: case_list.ListFilter, worker: str | None, title: str
) -> None:
    assert urls.filter_title(flt, worker) == title
