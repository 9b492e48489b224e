"""Strata's warm dbt process: imports dbt once and runs invocations through dbtRunner.

Protocol (see protocol.ts): the parent writes one JSON request per line on stdin,
    {"type": "invoke", "id": str, "args": [str], "cwd": str, "env": {str: str}}
and this process answers on stdout with JSON lines:
    {"type": "ready", "pid": int, "dbtVersion": str}                  once, after importing dbt
    {"type": "event", "id": str, "event": {"info": {...}, "data": {...}}}   dbt's events, streamed
    {"type": "result", "id": str, "exitCode": 0|1|2, "error": str|null,
     "parsed": bool, "elapsedMs": int}                                  once per request
Exit codes mean what dbt's own mean: 0 the work passed, 1 it ran and failed, 2 it could not run.

One request at a time. A parsed manifest is reused while the project files, profiles, target,
vars and environment are unchanged (var() and env_var() are resolved at parse time), and parsed
again when any of them changes. dbtRunner has no cancel: the parent ends this process (SIGINT,
then SIGKILL) and starts a new one.
"""

import collections
import hashlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time

# The protocol owns the real stdout. dbt's console logger and anything else that prints goes to
# stderr, so no stray line can corrupt the protocol stream.
PROTOCOL = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr


def _die_with_parent():
    """Linux: be killed when the parent dies, so a SIGKILLed worker leaves no dbt behind."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except Exception:  # not Linux: the parent's exit still closes stdin, which ends the loop
        pass
    # The parent may already be gone (we were reparented before prctl took effect).
    if os.getppid() == 1:
        sys.exit(0)


_die_with_parent()

from dbt.cli.main import dbtRunner  # noqa: E402  (after the stdout redirection, on purpose)
from dbt.version import __version__ as DBT_VERSION  # noqa: E402
from dbt_common.events.functions import msg_to_dict  # noqa: E402

# Files under these folders are dbt's output, not its input.
IGNORED_DIRS = {"target", "logs", ".git", "__pycache__", "node_modules"}


def send(message):
    PROTOCOL.write(json.dumps(message, default=str) + "\n")
    PROTOCOL.flush()


def option(args, name, default=None):
    """The value of `--name value` or `--name=value` in a dbt argument list."""
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg[len(name) + 1 :]
    return default


def files_signature(*roots):
    """Path, size and mtime of every input file: any edit, addition or removal changes it."""
    digest = hashlib.sha256()
    for root in sorted(set(roots)):
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS)
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except FileNotFoundError:
                    continue
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class ManifestCache:
    """The last few parsed manifests, each under the key it was parsed with.

    A few, not one: a worker alternates between scheduled runs (config vars) and manual runs
    with --vars, and each switch would otherwise cost a full parse.
    """

    SIZE = 4

    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.entries = collections.OrderedDict()  # key -> (manifest, parse_dir)
        self.parses = 0

    def key_for(self, args):
        project_dir = option(args, "--project-dir", os.getcwd())
        profiles_dir = option(args, "--profiles-dir", project_dir)
        inputs = {
            "project": project_dir,
            "profiles": profiles_dir,
            "target": option(args, "--target"),
            "vars": option(args, "--vars"),
            # env_var() is resolved at parse time; the whole environment is the safe key.
            "env": sorted(os.environ.items()),
            "files": files_signature(project_dir, profiles_dir),
        }
        return hashlib.sha256(json.dumps(inputs).encode()).hexdigest()

    def get(self, key):
        """The cached (manifest, parse_dir) for key, or None."""
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def parse(self, key, args, callbacks):
        """Parses the project as `args` would see it; returns the dbtRunner result."""
        self.parses += 1
        parse_dir = os.path.join(self.state_dir, f"parse-{self.parses}")
        parse_args = ["parse", "--no-use-colors", "--quiet", "--target-path", parse_dir]
        for name in ("--project-dir", "--profiles-dir", "--target", "--vars", "--log-path"):
            value = option(args, name)
            if value is not None:
                parse_args += [name, value]
        result = dbtRunner(callbacks=callbacks).invoke(parse_args)
        if result.success:
            self.entries[key] = (result.result, parse_dir)
            while len(self.entries) > self.SIZE:
                _, (_, evicted) = self.entries.popitem(last=False)
                shutil.rmtree(evicted, ignore_errors=True)
        else:
            shutil.rmtree(parse_dir, ignore_errors=True)
        return result


def exit_code(result):
    if result.success:
        return 0
    return 1 if result.exception is None else 2


def describe(exception):
    return None if exception is None else f"{type(exception).__name__}: {exception}"


def interrupted(result):
    return isinstance(result.exception, KeyboardInterrupt)


class Environment:
    """Applies a request's environment for the length of the invocation."""

    def __init__(self, overlay, cwd):
        self.overlay = overlay
        self.cwd = cwd

    def __enter__(self):
        self.saved = {name: os.environ.get(name) for name in self.overlay}
        self.saved_cwd = os.getcwd()
        os.environ.update(self.overlay)
        os.chdir(self.cwd)

    def __exit__(self, *exc):
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        os.chdir(self.saved_cwd)


def invoke(request, cache):
    request_id = request["id"]
    args = list(request["args"])
    started = time.monotonic()

    def forward(msg):
        # The console's info level, as `dbt --log-format json` prints it; debug stays in the file log.
        try:
            if msg.info.level == "debug":
                return
            send({"type": "event", "id": request_id, "event": msg_to_dict(msg)})
        except Exception as error:  # a callback must never break the invocation
            print(f"strata: could not forward a dbt event: {error}", file=sys.stderr)

    def respond(code, error, parsed):
        send(
            {
                "type": "result",
                "id": request_id,
                "exitCode": code,
                "error": error,
                "parsed": parsed,
                "elapsedMs": round((time.monotonic() - started) * 1000),
            }
        )

    with Environment(request.get("env", {}), request.get("cwd", os.getcwd())):
        key = cache.key_for(args)
        entry = cache.get(key)
        parsed = entry is None
        if entry is None:
            result = cache.parse(key, args, [forward])
            if interrupted(result):
                raise KeyboardInterrupt
            if not result.success:
                respond(2, describe(result.exception) or "dbt could not parse the project", parsed)
                return
            entry = cache.get(key)
        manifest, parse_dir = entry
        result = dbtRunner(manifest=manifest, callbacks=[forward]).invoke(args)
        if interrupted(result):
            raise KeyboardInterrupt
        copy_manifest(parse_dir, option(args, "--target-path"))
    respond(exit_code(result), describe(result.exception), parsed)


def copy_manifest(parse_dir, target_path):
    """dbt writes manifest.json only when it parses; the caller joins test results with it."""
    source = os.path.join(parse_dir, "manifest.json")
    if target_path is None or not os.path.exists(source):
        return
    destination = os.path.join(target_path, "manifest.json")
    if os.path.exists(destination):
        return
    os.makedirs(target_path, exist_ok=True)
    shutil.copyfile(source, destination)


def main():
    state_dir = tempfile.mkdtemp(prefix="strata-dbt-warm-")
    cache = ManifestCache(state_dir)
    try:
        send({"type": "ready", "pid": os.getpid(), "dbtVersion": str(DBT_VERSION)})
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            if request.get("type") != "invoke":
                print(f"strata: unknown request type {request.get('type')!r}", file=sys.stderr)
                continue
            invoke(request, cache)
    except KeyboardInterrupt:
        # The parent's cancel: dbt has already stopped its queries (it handles SIGINT itself).
        sys.exit(130)
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
