"""Dagster side of the 200 no-op assets comparison in `npm run bench:dbt`.

The graph (asset -> deps) comes from the JSON file named by STRATA_BENCH_GRAPH, the same graph
Strata runs. Times one materialization of every asset from the request to its end with the
in-process executor (ephemeral instance) or the multiprocess executor (a temporary local
instance, which the multiprocess executor needs). Prints {"requestToEndMs": int, "success": bool}.
"""

import json
import os
import sys
import tempfile
import time

result_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr

from dagster import (  # noqa: E402
    AssetKey,
    DagsterInstance,
    Definitions,
    asset,
    define_asset_job,
    execute_job,
    in_process_executor,
    multiprocess_executor,
    reconstructable,
)


def noop_asset(name, deps):
    @asset(name=name, deps=[AssetKey(d) for d in deps])
    def _noop():
        return None

    return _noop


def bench_job():
    with open(os.environ["STRATA_BENCH_GRAPH"]) as handle:
        graph = json.load(handle)
    executor = (
        multiprocess_executor
        if os.environ.get("STRATA_BENCH_EXECUTOR") == "multiprocess"
        else in_process_executor
    )
    assets = [noop_asset(name, deps) for name, deps in graph.items()]
    job = define_asset_job("noops", executor_def=executor)
    return Definitions(assets=assets, jobs=[job]).resolve_job_def("noops")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as home:
        with DagsterInstance.local_temp(home) as instance:
            job = reconstructable(bench_job)
            started = time.perf_counter()
            result = execute_job(job, instance=instance)
            elapsed = time.perf_counter() - started
            success = result.success
    result_out.write(json.dumps({"requestToEndMs": round(elapsed * 1000), "success": success}) + "\n")
    result_out.flush()
