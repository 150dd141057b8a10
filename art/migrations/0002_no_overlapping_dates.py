"""PIs of one train, and iterations of one PI, may not overlap: enforced by the database on
PostgreSQL with exclusion constraints (btree_gist). SQLite has no such constraint; there the
services check inside IMMEDIATE transactions, which SQLite runs one at a time."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE art_programincrement ADD CONSTRAINT pi_dates_no_overlap_per_train
       EXCLUDE USING gist (train_id WITH =, daterange(start_date, end_date, '[]') WITH &&)""",
    """ALTER TABLE art_iteration ADD CONSTRAINT iteration_dates_no_overlap_per_pi
       EXCLUDE USING gist (pi_id WITH =, daterange(start_date, end_date, '[]') WITH &&)""",
]
DROP = [
    "ALTER TABLE art_iteration DROP CONSTRAINT IF EXISTS iteration_dates_no_overlap_per_pi",
    "ALTER TABLE art_programincrement DROP CONSTRAINT IF EXISTS pi_dates_no_overlap_per_train",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("art", "0001_initial")]
    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
