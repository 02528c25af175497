"""The bare Flask app the ingest benchmark compares against: one route answering "hello".

Served by bench/ingest.py under the project's gunicorn.conf.py (`bench.hello_app:app`), so the
difference to the ingest figures is the cost of ingest itself, not of gunicorn or Flask.
"""
from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The smallest possible answer."""
    return "hello"
