"""Application services: the use cases the outside world calls (pages, the APIs, jobs, the CLI).

Each function takes plain inputs, a session and the clock's `now`, composes the domain packages
(tenants, telemetry, marketplace, billing) and ends its unit of work: it commits what the use case
wrote. No Flask here; blueprints authenticate, parse, call one of these and render.
"""
