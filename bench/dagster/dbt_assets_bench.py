"""Dagster + dagster-dbt side of `npm run bench:dbt`: the same dbt project as one @dbt_assets.

Run by bench/dbt.ts with the bench venv's Python. Parses the project first (as a Dagster
deployment prepares its manifest before any run), then times `materialize()` from the request
to its end, in-process, with an ephemeral instance. Prints one JSON line on stdout:
    {"requestToEndMs": int, "dbtRunElapsedMs": int, "models": int, "success": bool}
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--project-dir", required=True)
parser.add_argument("--work-dir", required=True)
parser.add_argument("--vars", required=True)
parser.add_argument("--select", default="fqn:*")
args = parser.parse_args()

# Everything but the result line goes to stderr.
result_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr

from dagster import AssetExecutionContext, DagsterInstance, materialize  # noqa: E402
from dagster_dbt import DbtCliResource, dbt_assets  # noqa: E402

dbt = DbtCliResource(
    project_dir=args.project_dir,
    profiles_dir=args.project_dir,
    target="local",
    # This venv's dbt (the same dbt-core as the stack's), not whichever is on PATH.
    dbt_executable=os.path.join(sys.prefix, "bin", "dbt"),
)
manifest_path = (
    dbt.cli(["parse", "--vars", args.vars], target_path=Path(args.work_dir, "parse"))
    .wait()
    .target_path.joinpath("manifest.json")
)

observed = {}


@dbt_assets(manifest=manifest_path, select=args.select)
def strata_models(context: AssetExecutionContext, dbt: DbtCliResource):
    invocation = dbt.cli(
        ["build", "--vars", args.vars],
        context=context,
        target_path=Path(args.work_dir, "target"),
    )
    yield from invocation.stream()
    run_results = invocation.get_artifact("run_results.json")
    observed["dbtRunElapsedMs"] = round(run_results["elapsed_time"] * 1000)
    observed["models"] = sum(
        1 for r in run_results["results"] if r["unique_id"].startswith("model.")
    )


with DagsterInstance.ephemeral() as instance:
    started = time.perf_counter()
    result = materialize([strata_models], resources={"dbt": dbt}, instance=instance)
    elapsed = time.perf_counter() - started

result_out.write(
    json.dumps(
        {
            "requestToEndMs": round(elapsed * 1000),
            "dbtRunElapsedMs": observed.get("dbtRunElapsedMs"),
            "models": observed.get("models"),
            "success": result.success,
        }
    )
    + "\n"
)
result_out.flush()
