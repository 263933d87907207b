"""The ``nasbench-eval`` command line: argument parsing and printing only."""

from __future__ import annotations

import os
import sys

import click

from ..errors import NasbenchEvalError
from .correlate import correlate
from .data import data
from .list import list_
from .plot import plot
from .query import query
from .run import run
from .table import table
from .train import supernet, train


class _Group(click.Group):
    """Turns our errors into one line on stderr and exit code 2 (no traceback)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NasbenchEvalError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except BrokenPipeError:  # output piped into `head` and the like: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except OSError as exc:  # permissions, full disk, ...: still one line
            click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
            sys.exit(2)
        except ValueError as exc:
            if "null byte" not in str(exc):  # click's Path checks raise this for "\x00" in a path
                raise
            click.echo("error: a path or value contains a NUL byte", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="NASBENCH_EVAL_HOME",
    help="Benchmark store folder [env NASBENCH_EVAL_HOME; default: user cache].",
)
@click.version_option(package_name="nasbench-eval")
@click.pass_context
def main(ctx: click.Context, home: str | None) -> None:
    """Evaluate NAS methods on NAS-Bench-201 / NATS-Bench."""
    ctx.obj = {"home": home}


main.add_command(data)
main.add_command(query)
main.add_command(run)
main.add_command(table)
main.add_command(plot)
main.add_command(train)
main.add_command(supernet)
main.add_command(correlate)
main.add_command(list_)
