"""A real localstripe server (a stateful fake of Stripe's HTTP API) on loopback, one per test.

The `localstripe` fixture starts `python -m tests.support.localstripe --port <free port>` from the project's
virtualenv, waits until it answers and stops it after the test. Started that way, localstripe 1.15.10 runs with
three additions that real Stripe has and it lacks, so our code runs against it unchanged:

* one-off invoices: POST /v1/invoices for a customer without a subscription takes the pending invoice items
  (localstripe only invoices subscriptions) and keeps the invoice's metadata;
* POST /v1/invoices/{id}/finalize;
* no state file: localstripe would otherwise rewrite /tmp/localstripe.pickle on every change.

Everything else (customers, payment methods, SetupIntents, invoice items, paying, declines, signed webhooks
configured through POST /_config/webhooks/<name>) is localstripe's own.
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "sk_test_digitalfactory"
PUBLISHABLE_KEY = "pk_test_digitalfactory"
WEBHOOK_SECRET = "whsec_digitalfactory_test"
CARD_OK = "4242424242424242"
CARD_DECLINED_ON_CHARGE = "4000000000000341"  # attaches, every charge is declined
CARD_DECLINED = "4000000000000002"  # declined when saved


@dataclass
class LocalStripe:
    """A running localstripe: its base URL and helpers to act as Stripe.js and to configure webhooks."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def api(self, method: str, path: str, **kwargs) -> dict:
        """Call the API with the secret key; returns the JSON answer (raises on an error status)."""
        response = requests.request(method, self.url + path, auth=(SECRET_KEY, ""), timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def confirm_card_setup(self, client_secret: str, number: str = CARD_OK) -> requests.Response:
        """What Stripe.js's confirmCardSetup sends: the card and the client secret, with the publishable key."""
        intent_id = client_secret.split("_secret_")[0]
        return requests.post(f"{self.url}/v1/setup_intents/{intent_id}/confirm", timeout=10, json={
            "key": PUBLISHABLE_KEY, "use_stripe_sdk": True, "client_secret": client_secret,
            "payment_method_data": {"type": "card", "card": {
                "number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}})

    def send_webhooks_to(self, url: str, secret: str = WEBHOOK_SECRET) -> None:
        """Have every event POSTed, signed with `secret`, to `url`."""
        response = requests.post(f"{self.url}/_config/webhooks/digital-factory", timeout=10,
                                 data={"url": url, "secret": secret})
        response.raise_for_status()

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(server: LocalStripe, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"localstripe exited with {server.process.returncode}:\n{server.log()}")
        try:
            if requests.get(server.url + "/v1/customers", auth=(SECRET_KEY, ""), timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"localstripe did not answer within {timeout:.0f} s:\n{server.log()}")


@pytest.fixture
def localstripe(tmp_path_factory):
    """A fresh localstripe server on 127.0.0.1, stopped after the test."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("localstripe") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "tests.support.localstripe", "--port", str(port)],
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    server = LocalStripe(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- the server process ----------------------------------------------------------------------------

def _add_stripe_features() -> None:
    """Teach localstripe one-off invoices and finalisation, and keep its state in memory only."""
    from localstripe import resources, server
    from localstripe.errors import UserError

    resources.Store.dump_to_disk = lambda self: None
    subscription_invoice = resources.Invoice._api_create

    def create_invoice(customer=None, subscription=None, metadata=None, description=None,
                       pending_invoice_items_behavior=None, auto_advance=None, collection_method=None, **others):
        if subscription is not None or others:
            return subscription_invoice(customer=customer, subscription=subscription, description=description,
                                        metadata=metadata, **others)
        return resources.Invoice(customer=customer, metadata=metadata, description=description)

    def finalize_invoice(id=None, auto_advance=None, **_ignored):
        invoice = resources.Invoice._api_retrieve(id)
        if invoice.status != "draft":
            raise UserError(400, "This invoice is already finalized")
        invoice._finalize()
        return invoice

    resources.Invoice._api_create = staticmethod(create_invoice)
    url = "/v1/invoices/{id}/finalize"
    server.app.router.add_route("POST", url, server.api_extra(finalize_invoice, url))


def main() -> None:
    """Run localstripe on 127.0.0.1:<port> with the additions above."""
    from aiohttp import web

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    _add_stripe_features()
    from localstripe import server

    web.run_app(server.app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
