"""A sample Digital Factory partner module: a small Flask app a partner can copy.

`create_app` (in `app.py`) builds it; `python -m examples.partner_module` runs the dev server.
"""
