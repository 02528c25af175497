"""Forms of the machine pages (CSRF via Flask-WTF); the device rules themselves live in telemetry.registry."""
from __future__ import annotations

import math
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from telemetry.registry import INPUT_TARGETS

KIND_CHOICES = [("smart_plug", _l("Smart plug")), ("din_rail", _l("DIN-rail meter")),
                ("clamp", _l("Clamp meter")), ("other", _l("Other"))]
_MAP_LINE = re.compile(r"^\s*([^=]+?)\s*=\s*([A-Za-z_]+)\s*$")
MAX_MAP_LINES = 32
DECIMAL = {"inputmode": "decimal"}


def _to_number(text: str | None) -> float | None:
    """The number typed in a field (a decimal comma is accepted); None when empty."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    value = float(text)  # ValueError for anything else
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def number_between(low: float, high: float, whole: bool = False):
    """A validator: the text is a number from low to high (a whole number when `whole`)."""
    def check(_form, field) -> None:
        try:
            value = _to_number(field.data)
        except ValueError:
            raise ValidationError(_("Enter a number, e.g. 1500 or 7.5.")) from None
        if value is None:
            return
        if whole and value != int(value):
            raise ValidationError(_("Enter a whole number of seconds."))
        if not low <= value <= high:
            raise ValidationError(_("Enter a number from %(low)s to %(high)s.", low=f"{low:g}", high=f"{high:g}"))
    return check


def parse_input_map(text: str | None) -> dict[str, str]:
    """`firmware name = field` lines as a dict; raises ValueError with a translated reason."""
    mapping: dict[str, str] = {}
    lines = [(number, line) for number, line in enumerate((text or "").splitlines(), start=1) if line.strip()]
    if len(lines) > MAX_MAP_LINES:
        raise ValueError(_("At most %(count)s lines.", count=MAX_MAP_LINES))
    for number, line in lines:
        match = _MAP_LINE.match(line)
        if match is None or len(match.group(1)) > 64:
            raise ValueError(_("Line %(line)s: write it as firmware name = field, e.g. power1 = power_w.", line=number))
        name, target = match.groups()
        if target not in INPUT_TARGETS:
            raise ValueError(_("Line %(line)s: the field must be one of %(fields)s.", line=number,
                               fields=", ".join(INPUT_TARGETS)))
        mapping[name] = target
    return mapping


def format_input_map(mapping: dict | None) -> str:
    """A stored input map as the lines the form shows."""
    return "\n".join(f"{name} = {target}" for name, target in (mapping or {}).items())


def _valid_input_map(_form, field) -> None:
    try:
        parse_input_map(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class DeviceForm(FlaskForm):
    """A machine's meter: what it is, where it is, and how its power reads as off / idle / running."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Meter type"), choices=KIND_CHOICES, default="smart_plug")
    site = StringField(_l("Site"), validators=[Optional(), Length(max=100)])
    line = StringField(_l("Line"), validators=[Optional(), Length(max=100)])
    rated_w = StringField(_l("Rated power (W)"), validators=[number_between(0, 10e6)], render_kw=DECIMAL)
    off_below_w = StringField(_l("Off below (W)"), default="10", validators=[DataRequired(), number_between(0, 10e6)],
                              render_kw=DECIMAL)
    run_above_w = StringField(_l("Running above (W)"), default="100",
                              validators=[DataRequired(), number_between(0, 10e6)], render_kw=DECIMAL)
    max_gap_s = StringField(_l("Longest gap between readings (s)"), default="300",
                            validators=[DataRequired(), number_between(10, 86400, whole=True)],
                            render_kw={"inputmode": "numeric"})
    input_map = TextAreaField(_l("Input names (emoncms-style firmware)"), validators=[_valid_input_map])

    @classmethod
    def for_device(cls, device) -> DeviceForm:
        """The form filled with a device's settings (never with the request's data)."""
        return cls(formdata=None, name=device.name, kind=device.kind, site=device.site, line=device.line,
                   rated_w="" if device.rated_w is None else f"{device.rated_w:g}",
                   off_below_w=f"{device.off_below_w:g}", run_above_w=f"{device.run_above_w:g}",
                   max_gap_s=str(device.max_gap_s), input_map=format_input_map(device.input_map))

    def validate(self, extra_validators=None) -> bool:
        """The field checks, then: a machine is off below a lower power than it runs above."""
        if not super().validate(extra_validators):
            return False
        if _to_number(self.off_below_w.data) > _to_number(self.run_above_w.data):
            self.run_above_w.errors.append(_("Running above must not be less than Off below."))
            return False
        return True

    def values(self) -> dict:
        """The checked fields in the shape telemetry.registry takes."""
        return {"name": self.name.data.strip(), "kind": self.kind.data, "site": (self.site.data or "").strip(),
                "line": (self.line.data or "").strip(), "rated_w": _to_number(self.rated_w.data),
                "off_below_w": _to_number(self.off_below_w.data), "run_above_w": _to_number(self.run_above_w.data),
                "max_gap_s": int(_to_number(self.max_gap_s.data)), "input_map": parse_input_map(self.input_map.data)}


class GatewayKeyForm(FlaskForm):
    """A name for a new gateway key."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
