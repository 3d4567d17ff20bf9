"""One side of bench/against.sh: the organizations import of the tree given, timed on a
workbook, new rows into an emptied table and then the same file again.

    python bench/against_import.py TREE FILE LABEL   (DATABASE_URL set)
"""

import json
import os
import sys
import time
from pathlib import Path

tree, file, label = sys.argv[1:4]
# The tree's own code, not this one's.
sys.path.insert(0, tree)
os.chdir(tree)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from registry.models import Organization  # noqa: E402
from registry.resources import OrganizationResource  # noqa: E402

data = Path(file).read_bytes()


def dataset():
    try:
        from config.spreadsheets.pipeline import Workbook
    except ImportError:
        # Before the pipeline: the file read straight into a dataset.
        from registry.formats import XLSX

        return XLSX().create_dataset(data)
    return Workbook.read(data)


tables = [Organization._meta.db_table, Organization.history.model._meta.db_table]
with connection.cursor() as cursor:
    if connection.vendor == "postgresql":
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")
        cursor.execute("CHECKPOINT")
    else:
        for table in reversed(tables):
            cursor.execute(f"DELETE FROM {table}")
report = {"side": label, "database": connection.vendor}
for phase in ("new", "unchanged"):
    started = time.perf_counter()
    result = OrganizationResource().import_data(dataset())
    seconds = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        sys.exit(f"{label}: the {phase} import was refused")
    report[f"{phase} rows/s"] = round(result.total_rows / seconds)
print(json.dumps(report))
