"""Parses SQL files as Athena (Trino) SQL with sqlglot and prints one JSON line per file.

Usage: python athena_sql_check.py FILE...
Each line is {"file": ..., "ok": true, "statements": n} or {"file": ..., "ok": false, "error": ...}.
Exit code 0 when every file parsed, 1 otherwise. Used by test/integration/dbt-athena.test.ts
on dbt's compiled models and tests; the venv's sqlglot is pinned in scripts/stack/requirements.in.
"""

import json
import sys

import sqlglot
from sqlglot.errors import ParseError


def check(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        statements = [
            s
            for s in sqlglot.parse(text, dialect="athena", error_level=sqlglot.ErrorLevel.RAISE)
            if s is not None
        ]
    except ParseError as error:
        return {"file": path, "ok": False, "error": str(error).splitlines()[0]}
    if not statements:
        return {"file": path, "ok": False, "error": "no SQL statement"}
    return {"file": path, "ok": True, "statements": len(statements)}


def main(paths: list[str]) -> int:
    failed = 0
    for path in paths:
        result = check(path)
        failed += 0 if result["ok"] else 1
        print(json.dumps(result), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
