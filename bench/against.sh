#!/usr/bin/env bash
# The organizations import of this tree against an earlier commit's, alternately, three times
# on each database: new rows into an emptied table, then the same file again (unchanged).
#
#     bench/against.sh ccd9eef        # the last commit before the import pipeline
#
# The earlier commit is checked out in a worktree under var/; each side has its own SQLite
# file and PostgreSQL database, migrated by its own code. Both run with this tree's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BEFORE=${1:?usage: bench/against.sh COMMIT}
TREE=$ROOT/var/against-$BEFORE
PYTHON=$ROOT/.venv/bin/python
PG=postgres://postgres@127.0.0.1:5432
[ -d "$TREE" ] || git worktree add -q --detach "$TREE" "$BEFORE"
(cd "$TREE" && "$PYTHON" manage.py compilemessages --ignore=.venv -v0)
FILE=$(DATABASE_URL=sqlite:///$ROOT/var/against-now.sqlite3 "$PYTHON" -c "
import sys; sys.path.insert(0, 'bench'); import imports; imports.setup()
print(imports.workbook('organizations', 100000))")
prepare() {  # tree, side
    for url in "sqlite:///$ROOT/var/against-$2.sqlite3" "$PG/jumys_against_$2"; do
        if [[ $url == postgres* ]]; then
            psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS jumys_against_$2" \
                -c "CREATE DATABASE jumys_against_$2"
        else
            rm -f "${url#sqlite://}"
        fi
        (cd "$1" && DATABASE_URL=$url "$PYTHON" manage.py migrate -v0 \
            && DATABASE_URL=$url "$PYTHON" manage.py load_reference >/dev/null)
    done
}
prepare "$TREE" before
prepare "$ROOT" now
for database in postgresql sqlite; do
    for _ in 1 2 3; do
        for side in before now; do
            tree=$ROOT; [ $side = before ] && tree=$TREE
            url=sqlite:///$ROOT/var/against-$side.sqlite3
            [ $database = postgresql ] && url=$PG/jumys_against_$side
            DJANGO_DEBUG=0 DATABASE_URL=$url "$PYTHON" bench/against_import.py "$tree" "$FILE" "$side"
        done
    done
done
