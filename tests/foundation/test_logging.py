"""Logs are JSON lines with a request id, and carry no secrets."""
import json
import logging

from gunicorn.config import Config

from web.logs import JsonFormatter
from web.redact import RedactingLogger, redact

TOKEN = "0123456789abcdef0123456789abcdef"


def test_redact_masks_tokens_keys_and_secret_parameters():
    text = f"GET /api/v1/d/{TOKEN}?power_w=5&apikey={TOKEN}&p=hunter2 df_{'a' * 40}"
    cleaned = redact(text)
    assert TOKEN not in cleaned and "hunter2" not in cleaned and "a" * 40 not in cleaned
    assert "power_w=5" in cleaned


def test_app_log_lines_are_json_without_the_token(app, client, caplog):
    formatter = JsonFormatter()
    with caplog.at_level(logging.INFO):
        client.get(f"/api/v1/d/{TOKEN}?power_w=1")
        app.logger.warning("posted to /api/v1/d/%s", TOKEN)
    lines = [formatter.format(record) for record in caplog.records]
    assert lines and all(json.loads(line) for line in lines)
    assert not any(TOKEN in line for line in lines)


def test_gunicorn_access_log_masks_the_token():
    logger = RedactingLogger(Config())

    class Response:
        status = "202 ACCEPTED"
        response_length = 10
        headers = ()
        sent = 10

    class Request:
        headers = ()
        method, uri, path, query, version = ("GET", f"/api/v1/d/{TOKEN}?apikey={TOKEN}", f"/api/v1/d/{TOKEN}",
                                             f"apikey={TOKEN}", (1, 1))

    from datetime import timedelta
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": Request.uri, "PATH_INFO": Request.path,
               "QUERY_STRING": Request.query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    atoms = logger.atoms(Response(), Request(), environ, timedelta(seconds=0.01))
    assert not any(TOKEN in str(value) for value in atoms.values())
