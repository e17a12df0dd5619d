"""The command line's grammar: every subcommand, its arguments and its handler."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

from .. import __version__
from ..ops.export import ExportFormat
from ..ops.repair import REPAIRABLE
from ..stores.items import ItemKind
from .annotating import cmd_bookmark, cmd_note, cmd_notes, cmd_star, cmd_tag, cmd_title
from .changing import (
    cmd_archive,
    cmd_backup,
    cmd_cleanup,
    cmd_demo,
    cmd_export,
    cmd_export_all,
    cmd_migrate,
    cmd_remove_empty,
    cmd_restore,
    cmd_vacuum,
)
from .comparing import cmd_diff
from .reading import cmd_check, cmd_list, cmd_search, cmd_show, cmd_stats
from .reorganising import cmd_merge, cmd_move, cmd_rename, cmd_split
from .repairing import cmd_repair

DESCRIPTION = "The headless command line over the same core as the desktop app."
MAX_DAYS = 36_500  # a century: older cut-offs overflow dates


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").astimezone()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _days(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not 0 <= value <= MAX_DAYS:  # also rejects nan and inf
        raise argparse.ArgumentTypeError(f"days must be between 0 and {MAX_DAYS}")
    return value


def build_parser() -> argparse.ArgumentParser:
    # --json may come before the command or after it. The subcommands' copy has no
    # default of its own, so it cannot reset one given before the command to False.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output"
    )
    parser = argparse.ArgumentParser(prog="agency-sessions", description=DESCRIPTION)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--debug", action="store_true", help="on an unexpected error, print the traceback"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        command.set_defaults(handler=handler)
        return command

    _add_core_commands(add)
    _add_doctor_commands(add)
    _add_reorganising_commands(add)
    _add_note_commands(add, sub.choices)
    add("demo", cmd_demo, "write the demo folder if needed and print its path")
    return parser


URL = "postgresql://user@host/db, redis://host:6379/0"
STORE_HELP = f"a store file, or a server URL ({URL}; the password is never shown)"

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _add_core_commands(add: AddCommand) -> None:
    p = add(
        "list",
        cmd_list,
        "list the sessions in a folder of stores, a store, or a server URL (the demo folder if none)",
    )
    p.add_argument("directory", nargs="?", help=f"a folder, a store file, or a server URL ({URL})")
    p.add_argument("-r", "--recursive", action="store_true")
    p = add("stats", cmd_stats, "counts, tools, activity and token usage of a store or session")
    p.add_argument("db", help=STORE_HELP)
    p.add_argument("--session")
    p = add("show", cmd_show, "print a session as a readable transcript")
    p.add_argument("db", help=STORE_HELP)
    p.add_argument("--session", required=True)
    p.add_argument("--branch", help="one branch of an AdvancedSQLiteSession (e.g. main)")
    p = add("backup", cmd_backup, "verified copy of a store, or of every store in a folder")
    p.add_argument("source", help="a store file, a folder, or a server URL")
    p.add_argument(
        "--session",
        action="append",
        help="of a server store: back up only this session (repeat for more)",
    )
    p.add_argument("destination", help="a file, or a folder for a timestamped copy")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("-r", "--recursive", action="store_true")
    p = add("cleanup", cmd_cleanup, "remove sessions with no activity for some days")
    p.add_argument("directory", help="a folder, or a server store's URL")
    p.add_argument("--older-than", type=_days, required=True, metavar="DAYS")
    p.add_argument(
        "--dry-run", action="store_true", help="show what would be removed; change nothing"
    )
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("-r", "--recursive", action="store_true")
    p.add_argument(
        "--no-backup",
        action="store_true",
        help="skip the automatic backup taken before anything is removed",
    )
    p = add(
        "migrate", cmd_migrate, "copy a session into another store, or import a JSON/JSONL export"
    )
    p.add_argument("source", help="a store, or a .json/.jsonl export")
    p.add_argument("target", help="the store to write (a file, created if missing; or a URL)")
    p.add_argument("--session", required=True, help="session to copy (for an import: the new id)")
    p.add_argument("--new-id", help="store the copy under this id")
    p.add_argument(
        "--overwrite", action="store_true", help="replace the session if the target has it"
    )
    _create_tables_option(p)
    p = add("export", cmd_export, "export a session as JSON, JSONL, Markdown or HTML")
    p.add_argument("db", help=STORE_HELP)
    p.add_argument("--session", required=True)
    p.add_argument("--format", choices=[f.value for f in ExportFormat], default="jsonl")
    p.add_argument("-o", "--output", help="file to write (standard output if omitted)")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--branch", help="only this branch of an AdvancedSQLiteSession")
    p = add("search", cmd_search, "find items containing every word of a query, in a folder")
    p.add_argument("directory", help="a folder of store files, or a server URL")
    p.add_argument("query", nargs="+", help="words; each must begin a word of the item")
    p.add_argument("-r", "--recursive", action="store_true")
    p.add_argument("--kind", choices=[str(kind) for kind in ItemKind])
    p.add_argument("--tool", help="only calls of this tool")
    p.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="from this day on")
    p.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="up to this day, included")
    p.add_argument("--session", help="only this session")
    p.add_argument("--limit", type=int, default=1000, help="most matches shown (default 1000)")
    p.add_argument(
        "--update-index",
        action="store_true",
        help="bring the app's search index up to date with the folder first",
    )
    p.add_argument("--no-index", action="store_true", help="read every file; ignore the index")
    _add_diff_command(add)  # a function of its own: this one is at ruff's 50 statements


def _add_diff_command(add: AddCommand) -> None:
    p = add("diff", cmd_diff, "where two sessions differ: items added, removed or changed")
    p.add_argument("a", metavar="A", help="a store")
    p.add_argument("b", metavar="B", help="another store (or A again, with --other-session)")
    p.add_argument("--session", required=True, metavar="ID", help="the session in A")
    p.add_argument("--other-session", metavar="ID", help="the session in B (default: the same id)")
    p.add_argument("--all", action="store_true", help="also show the runs of items the same")


def _add_doctor_commands(add: AddCommand) -> None:
    p = add("check", cmd_check, "check the integrity of every store in a folder")
    p.add_argument("directory")
    p.add_argument("-r", "--recursive", action="store_true")
    p = add("repair", cmd_repair, "repair what check found in a store (shown first, backed up)")
    p.add_argument("db")
    p.add_argument("--session", help="only this session's findings")
    p.add_argument(
        "--kind",
        action="append",
        choices=sorted(str(kind) for kind in REPAIRABLE),
        metavar="KIND",
        help="only findings of this kind (repeatable): " + ", ".join(sorted(map(str, REPAIRABLE))),
    )
    p.add_argument("--dry-run", action="store_true", help="show what would be done; change nothing")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def _add_reorganising_commands(add: AddCommand) -> None:
    p = add("export-all", cmd_export_all, "export every session of a folder, one file each")
    p.add_argument("directory")
    p.add_argument("folder", help="where to write the files")
    p.add_argument("--format", choices=[f.value for f in ExportFormat], default="jsonl")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("-r", "--recursive", action="store_true")
    p = add("archive", cmd_archive, "back up every store of a folder into one verified zip")
    p.add_argument("directory")
    p.add_argument("archive")
    p.add_argument("-r", "--recursive", action="store_true")
    p = add("restore", cmd_restore, "restore a backup folder, file or archive into a folder")
    p.add_argument("source")
    p.add_argument("folder")
    p.add_argument(
        "--conflict",
        choices=["skip", "keep_both", "replace"],
        default="skip",
        help="for stores the folder already has with other content (default: skip)",
    )
    p.add_argument("--dry-run", action="store_true")
    p = add("move", cmd_move, "move a session to another store (copied, verified, then removed)")
    p.add_argument("source", help="a store file, or a server's URL")
    p.add_argument("target", help="a store file, or a server's URL")
    p.add_argument("--session", required=True)
    p.add_argument("--new-id")
    p.add_argument(
        "--no-backup",
        action="store_true",
        help="skip the automatic backup taken before anything is removed",
    )
    _create_tables_option(p)
    p = add("rename", cmd_rename, "give a session a new id")
    p.add_argument("db")
    p.add_argument("--session", required=True)
    p.add_argument("--to", required=True, metavar="NEW_ID")
    p = add("merge", cmd_merge, "copy every session of several stores into one")
    p.add_argument("target")
    p.add_argument("sources", nargs="+")
    p = add("split", cmd_split, "one new store per session of a store")
    p.add_argument("db")
    p.add_argument("folder")
    p = add("vacuum", cmd_vacuum, "reclaim the free space of a store")
    p.add_argument("db")
    p = add("remove-empty", cmd_remove_empty, "move stores that hold no session to the trash")
    p.add_argument("directory")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("-y", "--yes", action="store_true")
    p.add_argument("-r", "--recursive", action="store_true")


def _add_note_commands(add: AddCommand, commands: dict[str, argparse.ArgumentParser]) -> None:
    """The user's own notes (cli/annotating.py), and `export --with-notes` (`commands`: the
    subcommands made so far)."""
    commands["export"].add_argument(
        "--with-notes", action="store_true", help="include your title, tags, note and bookmarks"
    )
    kept = "kept by the app, never written into the store"

    def on_session(
        name: str, handler: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        p = add(name, handler, f"{help_text} ({kept})")
        p.add_argument("db")
        p.add_argument("--session", required=True)
        return p

    p = on_session("tag", cmd_tag, "show, add or remove a session's tags")
    p.add_argument("--add", action="append", default=[], metavar="TAG")
    p.add_argument("--remove", action="append", default=[], metavar="TAG")
    for name, handler in (("note", cmd_note), ("title", cmd_title)):
        p = on_session(name, handler, f"show, set or clear a session's {name}")
        # nargs=1 made optional, not nargs="?": Python 3.12.1's argparse gives a "?"
        # positional nothing at DB already, so TEXT after --session would be refused.
        text = p.add_argument(
            "text", nargs=1, metavar="[TEXT]", help=f"the new {name} ('-': stdin)"
        )
        text.required = False
        p.add_argument("--clear", action="store_true", help=f"remove the {name}")
    p = on_session("star", cmd_star, "star a session (--off: unstar it)")
    p.add_argument("--off", action="store_true")
    p = on_session("bookmark", cmd_bookmark, "list, add or remove bookmarks on items")
    either = p.add_mutually_exclusive_group()
    either.add_argument("--item", type=int, metavar="ROW_ID", help="bookmark this item")
    either.add_argument("--remove", type=int, metavar="ROW_ID", help="remove this bookmark")
    p.add_argument("--label", help="with --item: a few words on the item")
    p = add("notes", cmd_notes, "every session you annotated (of a folder, if given)")
    p.add_argument("directory", nargs="?")
    p.add_argument("-r", "--recursive", action="store_true")
    p.add_argument("--tag", help="only sessions with this tag")
    p.add_argument("--starred", action="store_true", help="only starred sessions")
    p.add_argument("--text", help="only sessions whose title, note or tags hold these words")


def _create_tables_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--create-tables",
        action="store_true",
        help="on a PostgreSQL server without the SDK's tables, create them (the SDK's own DDL)",
    )
