"""Command line for the analysis package: ``python -m analysis themes|route ...``.

Each subcommand is a module of :mod:`analysis.cli` with a ``cli(argv)``
function; this module only dispatches, and imports the heavy module
that a subcommand needs only when that subcommand is asked for.
"""

import importlib
import sys

COMMANDS = {
    "themes": ("analysis.cli.themes", "cluster a CSV's free-text column into themes"),
    "route": ("analysis.cli.route", "route a CSV's free-text rows to departments"),
    "sentiment": ("analysis.cli.sentiment", "score a CSV's free-text rows -1..1"),
}


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand and return its exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        usage = "\n".join(f"  {name:8} {help}" for name, (_, help) in COMMANDS.items())
        print(
            f"usage: python -m analysis COMMAND ...\n\ncommands:\n{usage}",
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return module.cli(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
