"""What the apps' views share about requests and answers: the htmx request type, the toast
a write answers with, and downloads (file names, CSV that no spreadsheet runs as formulas)."""

import csv
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (for type checking)."""

    htmx: HtmxDetails


def toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    """Ask the page to show `message` as a toast (HX-Trigger "toast", level success, error,
    warning or info) once htmx has swapped `response`."""
    return trigger_client_event(response, "toast", {"message": message, "level": level})


# --- downloads ------------------------------------------------------------------------------

#: A cell a spreadsheet would read as a formula (or a DDE call) when it starts with one of
#: these: =, +, -, @, and tab or carriage return, which some spreadsheets skip before checking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Characters a file name may not hold on some system (or in a header): they become a dash.
_UNSAFE_IN_FILENAME = re.compile(r'[\s/\\:*?"<>|\x00-\x1f\x7f]+')


def download_filename(*parts: str, extension: str) -> str:
    """A download's file name: `parts` joined by "-", with spaces and characters no file system
    takes turned into dashes (letters of any script are kept). Example: ("payments-art",
    "PI 2026.1", "board") and "csv" → "payments-art-PI-2026.1-board.csv"."""
    cleaned = [_UNSAFE_IN_FILENAME.sub("-", str(part)).strip("-.") for part in parts]
    stem = re.sub(r"-{2,}", "-", "-".join(part for part in cleaned if part)) or "download"
    return f"{stem}.{extension}"


def attachment_disposition(filename: str) -> str:
    """`Content-Disposition: attachment` naming `filename` as RFC 6266 says: a quoted ASCII
    `filename` for every browser, and `filename*` (UTF-8, percent-encoded) when the name is not
    plain ASCII, which browsers prefer."""
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    ascii_name = ascii_name.replace("\\", "_").replace('"', "_")
    value = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def spreadsheet_safe(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula: a text starting with =, +, -, @, tab
    or carriage return gets a leading apostrophe (OWASP's advice). Numbers stay numbers:
    only text is ever changed; None is an empty cell, dates are ISO dates."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    """Every CSV download of Railyard: UTF-8, saved as `filename` (see attachment_disposition),
    a header row, then `rows` with each cell made spreadsheet-safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_disposition(filename)
    writer = csv.writer(response)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return response
