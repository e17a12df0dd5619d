"""`agency-sessions`: the headless command line over the same core as the desktop app.

Exit status: 0 success; 1 the operation failed, found problems, or met an unexpected
error (run with --debug for its traceback); 2 bad input (a bad argument, a file that
is not a store, a session that is not there, a target that exists); 130 interrupted.
Every subcommand takes --json (before or after its name) and then prints one JSON
document as its result.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Sequence

from ..stores.errors import SessionNotFoundError, StoreError
from ..util.errors import InputError
from ..util.progress import OperationCancelled
from .output import EXIT_BAD_INPUT, EXIT_FAILED, UsageError, err
from .parser import build_parser

__all__ = ["UsageError", "build_parser", "main"]

# The user named something that is not what it should be: their input, not our failure.
BAD_INPUT = (
    InputError,
    StoreError,
    SessionNotFoundError,
    FileNotFoundError,
    NotADirectoryError,
    IsADirectoryError,
    FileExistsError,
)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other Unix tools do, and
        # point stdout at devnull so the interpreter's final flush does not complain.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except BAD_INPUT as exc:
        err.print(f"agency-sessions: error: {exc}", markup=False)
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, OperationCancelled):
        err.print("agency-sessions: interrupted; nothing was left half-written")
        return 130
    except OSError as exc:  # disk full, permission denied, ...
        err.print(f"agency-sessions: error: {exc}", markup=False)
        return EXIT_FAILED
    except Exception as exc:  # a bug: say so, and never pass it off as the user's mistake
        if args.debug:
            traceback.print_exc()
        else:
            hint = " (run with --debug for the details)"
            err.print(f"agency-sessions: unexpected error: {exc!r}{hint}", markup=False)
        return EXIT_FAILED
