"""Data layer: engine, schema, migrations, queries, the event writer and users. Never imports Dash."""
