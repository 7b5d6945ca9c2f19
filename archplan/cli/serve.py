"""``serve``: the local playground, where the trace redraws as a spec is edited.

Starlette and uvicorn (the ``serve`` extra) are imported inside the command, so the other
commands never load them.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from archplan.cli.boundary import reports_errors
from archplan.errors import ArchplanError

HOST = "127.0.0.1"

TargetArg = Annotated[
    Path,
    typer.Argument(metavar="[SPEC_OR_FOLDER]", help="A spec to open, or the folder whose specs "
                   "the page may open and save (default: the current folder).",
                   show_default=False),
]  # fmt: skip
PortOpt = Annotated[
    int, typer.Option("--port", min=0, max=65535, help="The port (0: any free one).")
]
OpenOpt = Annotated[bool, typer.Option("--open", help="Open the page in the default browser.")]


def served(target: Path) -> tuple[Path, str | None]:
    """The folder to serve and the spec the page opens first (None: a new one)."""
    if target.is_dir():
        return target, None
    if not target.exists():
        raise ArchplanError(f"{target}: no such spec or folder; name a .json spec or a folder")
    if target.suffix.lower() != ".json":
        raise ArchplanError(f"{target}: archplan serve opens .json specs; name one, or a folder")
    return target.parent, target.name


@reports_errors
def serve(target: TargetArg = Path("."), port: PortOpt = 8321, open_page: OpenOpt = False) -> None:
    """Serve a local page (on 127.0.0.1 only) where a spec is edited and its trace, totals,
    diagram, errors and fixes redraw as you type; it also plans and compares."""
    try:
        import uvicorn

        from archplan.serve.app import create_app
    except ImportError as missing:
        raise ArchplanError(
            f"archplan serve needs {missing.name}: pip install 'archplan[serve]'"
        ) from None
    folder, initial = served(target)
    app = create_app(folder, initial=initial, host=HOST)
    listening = _bind(port)
    port = listening.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    if open_page:
        _open_when_up(server, port)
    typer.echo(f"archplan serve: {folder.resolve()} at http://{HOST}:{port}/ (Ctrl+C stops it)")
    server.run(sockets=[listening])


def _bind(port: int) -> socket.socket:
    """The listening socket on 127.0.0.1 (bound here, so a busy port is one line, and port 0
    is a free port whose number is printed)."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((HOST, port))
    except OSError as error:
        listening.close()
        raise ArchplanError(
            f"--port {port}: cannot listen on {HOST}:{port} ({error.strerror}); choose another "
            "port, or --port 0 for any free one"
        ) from None
    listening.listen(128)
    return listening


def _open_when_up(server: object, port: int) -> None:
    """Open the browser once the server listens (a thread waits for it)."""
    import threading
    import time
    import webbrowser

    def wait_and_open() -> None:
        while not getattr(server, "started", False):
            time.sleep(0.05)
        webbrowser.open(f"http://{HOST}:{port}/")

    threading.Thread(target=wait_and_open, daemon=True).start()


def register(app: typer.Typer) -> None:
    app.command()(serve)
