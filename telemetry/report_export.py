"""Reports as CSV: a plain data file and an Excel-friendly variant (no Flask here).

Both are UTF-8 with a byte order mark (Excel needs it to read non-ASCII machine names; Python reads
them with `encoding="utf-8-sig"`), CRLF line ends and quoting as RFC 4180, with one row per machine and
slice of the breakdown, then the rows of all machines together (an empty `device_id`).

* plain: `,` between fields, `.` as the decimal mark, stable snake_case headers — for scripts and for
  Excel where the decimal mark is a point (en, zh, ...).
* excel: the decimal mark of the company's country; where that is a comma (DE, FR, PL, ...) Excel's
  list separator is `;`, so a comma-separated file would open in one column and `1.5` would turn into a
  date — there the fields are separated by `;` and decimals written with `,`. Headers are the labels
  the caller passes (translated).

Numbers carry no thousands separator and are rounded half up (money to the currency's minor unit).
Text cells starting with = + - @ are prefixed with ' so a spreadsheet never runs them as formulas.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_precision, get_decimal_symbol

from telemetry.reports import Figures, Report, Slice

COLUMNS = ("device_id", "machine", "site", "line", "period_start", "period_end", "energy_kwh", "cost", "currency",
           "running_h", "idle_h", "off_h", "nodata_h", "planned_h", "availability_pct", "idle_waste_kwh",
           "idle_waste_cost")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvStyle:
    """Field separator and decimal mark of a CSV file."""

    delimiter: str = ","
    decimal: str = "."


PLAIN = CsvStyle()
DECIMAL_COMMA = CsvStyle(";", ",")


def excel_style(country: str) -> CsvStyle:
    """The style Excel opens directly in the company's country: `;` and `,` where the decimal mark is a comma."""
    try:
        symbol = get_decimal_symbol(Locale.parse(f"und_{country}"))
    except (ValueError, UnknownLocaleError):
        symbol = "."
    return DECIMAL_COMMA if symbol == "," else PLAIN


def _number(value: float | None, digits: int, style: CsvStyle) -> str:
    if value is None:
        return ""
    exponent = Decimal(1).scaleb(-digits)
    text = str(Decimal(repr(float(value))).quantize(exponent, rounding=ROUND_HALF_UP) + 0)
    return text.replace(".", style.decimal)


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _figures(figures: Figures, currency: str, style: CsvStyle) -> list[str]:
    money = get_currency_precision(currency)
    availability = figures.availability
    return [_number(figures.energy_wh / 1000, 3, style), _number(figures.cost, money, style), currency,
            *(_number(s / 3600, 2, style) for s in (figures.running_s, figures.idle_s, figures.off_s,
                                                       figures.nodata_s, figures.planned_s)),
            _number(None if availability is None else availability * 100, 1, style),
            _number(figures.idle_waste_wh / 1000, 3, style), _number(figures.idle_waste_cost, money, style)]


def _pieces(report: Report, slices: list[Slice], total: Figures) -> list[Slice]:
    if report.period.breakdown == "none":
        return [Slice(report.period.first, report.period.last, total)]
    return slices


def report_rows(report: Report, total_label: str, style: CsvStyle = PLAIN) -> list[list[str]]:
    """The report's data rows as text cells in the order of COLUMNS (machines first, then the totals)."""
    rows = []
    for machine in report.machines:
        head = [str(machine.device_id), _text(machine.name), _text(machine.site), _text(machine.line)]
        for piece in _pieces(report, machine.slices, machine.total):
            rows.append([*head, piece.first.isoformat(), piece.last.isoformat(),
                         *_figures(piece.figures, report.currency, style)])
    for piece in _pieces(report, report.total_slices, report.total):
        rows.append(["", _text(total_label), "", "", piece.first.isoformat(), piece.last.isoformat(),
                     *_figures(piece.figures, report.currency, style)])
    return rows


def report_csv(report: Report, style: CsvStyle, headers: list[str] | None = None,
               total_label: str = "All machines") -> bytes:
    """The report as CSV bytes (UTF-8 with BOM, CRLF); `headers` replace the column keys when given."""
    if headers is not None and len(headers) != len(COLUMNS):
        raise ValueError("one header per column")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=style.delimiter, lineterminator="\r\n")
    writer.writerow(headers or COLUMNS)
    writer.writerows(report_rows(report, total_label, style))
    return out.getvalue().encode("utf-8-sig")
