"""The web app of ``archplan serve``: a Starlette application over :mod:`archplan.serve.views`.

Routes: the page and its static files; ``/api/trace``, ``/api/diagram``, ``/api/fix``,
``/api/compare``, ``/api/plan`` and ``/api/plan/{plan}/{rank}`` compute; ``/api/layers`` is the
layer form's catalogue; ``/api/files``, ``/api/file``, ``/api/mtime`` and ``/api/save`` reach the
served folder.

Every request is checked before any work: the Host must be this machine's loopback name (a page
elsewhere cannot rebind a name of its own to 127.0.0.1 and read the answers), an Origin, when the
browser sends one, must be this server's own (and so must the browser's Sec-Fetch-Site, for the
API), a POST must say it holds JSON (which no plain form
from another site can send without the browser asking first) and hold at most
:data:`MAX_BODY_BYTES`. A refusal is one line of JSON, ``{"ok": false, "error": ...}``; nothing
the page sends can stop the server. Every computation (trace, fix, plan, the diagram) runs in a
worker thread, so a slow one (a fix search, a huge paste) holds up no other request. An
unexpected exception is a bug: it is answered in one line too, and the server keeps serving.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from archplan.errors import ArchplanError
from archplan.files.reading import nesting_depth
from archplan.serve.files import ConflictError, Folder
from archplan.serve.planning import Plans
from archplan.serve.views import (
    BadRequestError,
    compare_view,
    diagram_svg,
    error_view,
    fix_view,
    layer_catalogue,
    trace_view,
)

MAX_BODY_BYTES = 4 * 2**20
"""The largest request: a spec of tens of thousands of layers; a bigger paste is refused."""
MAX_REQUEST_DEPTH = 8
"""The page's requests nest three levels (compare: specs, each an object); a spec is a string."""
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
EDITOR_SOURCE = "spec"
"""What messages call a spec the editor holds that is not (yet) a file."""
STATIC = resources.files("archplan.serve") / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""The page runs only its own script (never inline script or user text) and is never framed."""

Handler = Callable[[Request], Awaitable[Response]]


def problem(message: str, status: int = 400) -> JSONResponse:
    """One refused request: a line the page shows as it is."""
    return JSONResponse({"ok": False, "error": message, "layer": None, "fixable": False}, status)


class RefusedError(Exception):
    """A request refused before any work: its status and its one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def check_origin(request: Request, allowed: frozenset[str]) -> None:
    """Refuse a request that names another host, or that comes from another site's page."""
    host = request.headers.get("host", "")
    if _host_name(host) not in allowed:
        raise RefusedError(
            403,
            f"Host {host!r}: archplan serve answers only requests to this "
            "machine (127.0.0.1 or localhost); open the address it printed",
        )
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{host}":
        raise RefusedError(
            403,
            f"a request from {origin!r}: archplan serve answers only its own "
            "page; open the address it printed",
        )
    site = request.headers.get("sec-fetch-site")
    if request.url.path.startswith("/api/") and site not in (None, "same-origin", "none"):
        raise RefusedError(
            403,
            f"a {site} request: archplan serve answers only its own page; open the address "
            "it printed",
        )


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, read to at most :data:`MAX_BODY_BYTES`."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        raise RefusedError(415, "send the request as application/json")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise RefusedError(413, _too_large())
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise RefusedError(413, _too_large())
    try:
        text = body.decode("utf-8")
        if nesting_depth(text) > MAX_REQUEST_DEPTH:  # before Python's parser recurses that deep
            raise RefusedError(400, "the request nests deeper than the page's requests do")
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise RefusedError(400, "the request is not JSON; the page sends JSON") from None
    if not isinstance(data, dict):
        raise RefusedError(400, "the request must be a JSON object")
    return data


def _too_large() -> str:
    return (
        f"the spec is larger than {MAX_BODY_BYTES // 2**20} MB, more than archplan serve takes "
        "in one request; trace a file that large with archplan trace"
    )


def _text(data: dict[str, Any], key: str = "text") -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise BadRequestError(f"{key}: send the spec's text as a string")
    return value


def _source(data: dict[str, Any]) -> str:
    path = data.get("path")
    return path if isinstance(path, str) and path else EDITOR_SOURCE


def create_app(folder: Path, *, initial: str | None = None, host: str = "127.0.0.1") -> Starlette:
    """The app serving ``folder`` (its spec files only); ``initial``: the file the page opens."""
    served = Folder(folder.resolve())
    plans = Plans()
    allowed = LOOPBACK_NAMES | {host if ":" not in host else f"[{host}]"}

    def guarded(handler: Handler, *, post: bool = True) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                response = await handler(request)
            except RefusedError as refused:
                response = problem(refused.message, refused.status)
            except ConflictError as conflict:
                response = JSONResponse(
                    {"ok": False, "error": str(conflict), "conflict": True}, 409
                )
            except BadRequestError as bad:
                response = problem(str(bad))
            except ArchplanError as error:
                response = JSONResponse(error_view(error))
            except Exception as bug:  # a bug in archplan: said so, and the server keeps serving
                message = (
                    f"archplan serve hit a bug ({type(bug).__name__}: {bug}); please report it"
                )
                response = problem(message, 500)
            response.headers.update(SECURITY_HEADERS)
            response.headers["Cache-Control"] = "no-store"
            return response

        return endpoint

    async def page(request: Request) -> Response:
        return FileResponse(str(STATIC / "index.html"), media_type="text/html")

    async def trace(request: Request) -> Response:
        data = await json_body(request)
        view = await run_in_threadpool(
            trace_view,
            _text(data),
            source=_source(data),
            dtype=str(data.get("dtype", "float32")),
            batch=data.get("batch_size"),
        )
        return JSONResponse(view)

    async def diagram(request: Request) -> Response:
        data = await json_body(request)
        svg = await run_in_threadpool(diagram_svg, _text(data), source=_source(data))
        return Response(svg, media_type="image/svg+xml")

    async def fix(request: Request) -> Response:
        data = await json_body(request)
        return JSONResponse(await run_in_threadpool(fix_view, _text(data), source=_source(data)))

    async def compare(request: Request) -> Response:
        data = await json_body(request)
        specs = data.get("specs")
        if not isinstance(specs, list) or len(specs) < 2 or len(specs) > 8:
            raise BadRequestError("specs: send two to eight specs to compare")
        pairs = [(_source(spec), _text(spec)) for spec in specs if isinstance(spec, dict)]
        if len(pairs) != len(specs):
            raise BadRequestError("specs: each is an object with its text (and path)")
        view = compare_view(
            pairs, dtype=str(data.get("dtype", "float32")), batch=data.get("batch_size")
        )
        return JSONResponse(view)

    async def plan(request: Request) -> Response:
        data = await json_body(request)
        return JSONResponse(await run_in_threadpool(plans.run, data))

    async def plan_spec(request: Request) -> Response:
        number, rank = request.path_params["plan"], request.path_params["rank"]
        return JSONResponse(await run_in_threadpool(plans.spec, number, rank))

    catalogue = layer_catalogue()

    async def layers(request: Request) -> Response:
        return JSONResponse({"ok": True, "layers": catalogue})

    async def files(request: Request) -> Response:
        listing = await run_in_threadpool(served.listing)
        return JSONResponse(
            {"ok": True, "folder": str(served.root), "files": listing, "initial": initial}
        )

    async def read(request: Request) -> Response:
        spec = await run_in_threadpool(served.read, request.query_params.get("path"))
        return JSONResponse({"ok": True, "path": spec.path, "text": spec.text, "mtime": spec.mtime})

    async def mtime(request: Request) -> Response:
        return JSONResponse({"ok": True, "mtime": served.mtime(request.query_params.get("path"))})

    async def save(request: Request) -> Response:
        data = await json_body(request)
        loaded = data.get("mtime")
        if loaded is not None and (isinstance(loaded, bool) or not isinstance(loaded, int)):
            raise BadRequestError("mtime: the modification time the page loaded, or null")
        saved = served.save(
            data.get("path"), _text(data), replace=data.get("replace") is True, loaded=loaded
        )
        return JSONResponse({"ok": True, "path": saved.path, "mtime": saved.mtime})

    routes = [
        Route("/", guarded(page), methods=["GET"]),
        Route("/api/trace", guarded(trace), methods=["POST"]),
        Route("/api/diagram", guarded(diagram), methods=["POST"]),
        Route("/api/fix", guarded(fix), methods=["POST"]),
        Route("/api/compare", guarded(compare), methods=["POST"]),
        Route("/api/plan", guarded(plan), methods=["POST"]),
        Route("/api/plan/{plan:int}/{rank:int}", guarded(plan_spec), methods=["GET"]),
        Route("/api/layers", guarded(layers), methods=["GET"]),
        Route("/api/files", guarded(files), methods=["GET"]),
        Route("/api/file", guarded(read), methods=["GET"]),
        Route("/api/mtime", guarded(mtime), methods=["GET"]),
        Route("/api/save", guarded(save), methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(LoopbackOnly, allowed=allowed)])


class LoopbackOnly:
    """Every request, the static files' too, passes :func:`check_origin` first."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                check_origin(Request(scope), self.allowed)
            except RefusedError as refused:
                response = problem(refused.message, refused.status)
                response.headers.update(SECURITY_HEADERS)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
