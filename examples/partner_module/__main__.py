"""`python -m examples.partner_module [--host H] [--port P]` runs the sample module's dev server."""
from .app import main

if __name__ == "__main__":
    raise SystemExit(main())
