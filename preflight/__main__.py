"""Entry point for ``python -m preflight``."""

import gc
import os
import sys


def _main() -> int:
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C while preflight loads: nothing has started yet
        print("preflight: interrupted", file=sys.stderr)
        return 130
    return main()


if __name__ == "__main__":
    # No cyclic collection in this short-lived process: programs run with it paused anyway, and turning it
    # back on after a run rescans the run's whole heap (1 s at 2,000 resources) for nothing. The phases
    # collect what they must between runs (phases.py).
    gc.disable()
    code = _main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is written and the pack process is closed. Skip the interpreter's teardown: freeing
    # the program's objects one by one takes 2.3 s after a 10,000-resource run and changes nothing.
    os._exit(code)
