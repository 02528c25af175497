"""Billing notices in plain words, with a link to what each is about: the billing page and the
notification centre (the alerts page) both show them."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from billing.models import BillingNotice
from services.billing import Notices
from web.formatting import money


def notice_views(found: Notices) -> list[dict]:
    """Open billing notices with their message in plain words and a link to what they are about."""
    return [{"notice": n, "text": notice_text(n, found.module_names), "link": _notice_link(n)} for n in found.open]


def notice_text(notice: BillingNotice, module_names: dict[int, str]) -> str:
    """A billing notice in plain words."""
    d = notice.details or {}
    currency = d.get("currency", "EUR")
    if notice.kind == "payment_failed":
        return _("The payment of invoice %(number)s (%(total)s) failed: %(error)s. We will try again; you can also "
                 "pay by bank transfer.", number=d.get("number", ""), total=money(int(d.get("total_minor", 0)),
                 currency), error=(d.get("error") or _("no reason given")).rstrip(". "))
    figures = {"month": d.get("month", ""), "spent": money(int(d.get("spent_minor", 0)), currency),
               "cap": money(int(d.get("cap_minor", 0)), currency)}
    if notice.installation_id is None:
        if notice.kind == "cap_100":
            return _("You reached your monthly cap for %(month)s: %(spent)s of %(cap)s. Nothing stops: machines keep "
                     "reporting and usage is still billed.", **figures)
        return _("You have used 80%% of your monthly cap for %(month)s: %(spent)s of %(cap)s.", **figures)
    module = module_names.get(notice.installation_id) or _("A removed module")
    if notice.kind == "cap_100":
        return _("%(module)s reached its monthly cap for %(month)s: %(spent)s of %(cap)s. Its further charges are "
                 "refused until next month or until you raise the cap.", module=module, **figures)
    return _("%(module)s has used 80%% of its monthly cap for %(month)s: %(spent)s of %(cap)s.", module=module,
             **figures)


def _notice_link(notice: BillingNotice) -> tuple[str, str] | None:
    invoice_id = (notice.details or {}).get("invoice_id")
    if notice.kind == "payment_failed" and isinstance(invoice_id, int):
        return url_for("billing.invoice", invoice_id=invoice_id), _("See the invoice")
    return url_for("billing.index"), _("See billing")
