"""A process that imports preflight and the SDKs once and forks one child per preflight run.

Most of what a small ``python -m preflight`` run costs is the interpreter starting and importing preflight,
pulumi, pulumi_aws and pulumi_kubernetes (half a second of CPU). The test session makes a few hundred runs;
this process pays that once per worker. Each run is still a process of its own: a child forked before any
program ran, with the run's working directory, environment, ``sys.path[0]`` and output files, that calls
``preflight.cli.main`` and exits with its code. Its policy packs and virtualenv children start as they would
from ``python -m preflight``. A forked child keeps its parent's hash seed, so the tests start one zygote per
``PYTHONHASHSEED`` they ask for (``tests/conftest.py``).

Protocol (one JSON object per line): the test writes ``{"argv", "cwd", "env", "stdout", "stderr"}``; the zygote
answers ``{"pid": N}`` when the child starts, then ``{"code": N}`` when it ends.
"""

from __future__ import annotations

import gc
import json
import os
import sys


def _child(request: dict[str, object]) -> None:
    """In the forked child: become ``python -m preflight <argv>`` run in ``cwd`` with ``env``; never returns."""
    code = 2
    try:
        os.setpgid(0, 0)  # its own group: a timed-out run is killed with its policy packs
        cwd = str(request["cwd"])
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
        sys.path[0] = cwd  # what `python -m` puts first
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        from preflight.cli import main

        gc.disable()  # as preflight/__main__.py does
        code = main([str(a) for a in request["argv"]])  # type: ignore[attr-defined]
    except SystemExit as exc:  # argparse's usage errors and --help
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except BaseException:  # noqa: BLE001 - shown as python -m preflight would show it
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 - the exit code still goes back
                pass
        os._exit(code)


def serve() -> None:
    """Read run requests on stdin until it closes; fork a child for each and report its pid and exit code."""
    import pulumi  # noqa: F401
    import pulumi_aws  # noqa: F401
    import pulumi_kubernetes  # noqa: F401

    import preflight.cli  # noqa: F401 - what every run imports, once

    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)


if __name__ == "__main__":
    serve()
