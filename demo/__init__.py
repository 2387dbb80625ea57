"""Demo data: demo users in every age group x gender cell, and click events with a realistic spread.

One job per module:
- `options`   the options (users, events, days, seed): defaults, limits and the one check of them
- `plan`      who the demo users are and how events are sampled; deterministic for a seed, no database needed
- `window`    the days the events fall on, with day boundaries from PostgreSQL's time-zone rules
- `ids`       the events' ids: version-8 uuids that count up, so COPY appends at the primary key's right edge
- `encoder`   sampled events as PostgreSQL binary COPY rows
- `store`     users (through `db.users`, like a registration) and events (COPY) in one transaction, the rollup
              through `db.rollup`
- `seeding`   `seed_demo` and `seed_if_empty`, the entry points that tie them together
- `login`     the demo login kept in DATA_DIR: shown by `uv run app.py`, its password kept by `seed.py`

`seed.py` is the command line over it.
"""
