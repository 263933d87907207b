"""``nasbench-eval list``: what is registered (methods, estimators, spaces, recipes, ...)."""

from __future__ import annotations

import click

CATEGORIES = ("methods", "estimators", "proxies", "spaces", "recipes", "networks", "executors")


def _registry(category: str):
    if category == "methods":
        from ..methods import METHODS as reg
    elif category == "estimators":
        from ..estimators import ESTIMATORS as reg
    elif category == "proxies":
        from ..proxies import PROXIES as reg
    elif category == "spaces":
        from ..spaces import SPACES as reg
    elif category == "recipes":
        from ..train.recipes import RECIPES as reg
    elif category == "networks":
        from ..nets import NETWORKS as reg
    else:
        from ..runs.executors import EXECUTORS as reg
    return reg


@click.command("list")
@click.argument("category", required=False, type=click.Choice(CATEGORIES))
def list_(category):
    """Registered plugins with their kind and a one-line description (all categories by default)."""
    for cat in [category] if category else CATEGORIES:
        entries = _registry(cat).entries()
        click.echo(f"{cat}:")
        width = max(len(e.name) for e in entries)
        kwidth = max(len(e.kind) for e in entries)
        for e in entries:
            alias = f" (alias {', '.join(e.aliases)})" if e.aliases else ""
            click.echo(f"  {e.name:<{width}}  {e.kind:<{kwidth}}  {e.description}{alias}")
