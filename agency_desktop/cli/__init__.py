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
from ..util.urls import redact_text
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
    given = list(sys.argv[1:] if argv is None else argv)
    try:
        return int(args.handler(args))
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other Unix tools do, and
        # point stdout at devnull so the interpreter's final flush does not complain.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except BAD_INPUT as exc:
        err.print(f"agency-sessions: error: {_scrubbed(str(exc), given)}", markup=False)
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, OperationCancelled):
        err.print("agency-sessions: interrupted; nothing was left half-written")
        return 130
    except OSError as exc:  # disk full, permission denied, ...
        err.print(f"agency-sessions: error: {_scrubbed(str(exc), given)}", markup=False)
        return EXIT_FAILED
    except Exception as exc:  # a bug: say so, and never pass it off as the user's mistake
        if args.debug:
            traceback.print_exc()
        else:
            hint = " (run with --debug for the details)"
            text = _scrubbed(repr(exc), given)
            err.print(f"agency-sessions: unexpected error: {text}{hint}", markup=False)
        return EXIT_FAILED


def _scrubbed(text: str, argv: list[str]) -> str:
    """An error's text without the password of any server URL given on the command line
    (a command that takes only paths may still name what it was given)."""
    for arg in argv:
        text = redact_text(text, arg)
    return text
