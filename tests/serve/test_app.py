"""``archplan serve`` over HTTP: every endpoint, and every kind of bad input the issue names.

Starlette's TestClient sends requests to the app in-process (no socket); one test starts the
real uvicorn server on 127.0.0.1 at an ephemeral port, the way the command runs it.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="archplan serve needs the serve extra")
pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2")

from starlette.testclient import TestClient

from archplan.serve.app import MAX_BODY_BYTES, create_app
from tests.conftest import ROOT, SPECS, chain

TUTORIAL = (SPECS / "tutorial-convnet.json").read_text(encoding="utf-8")
RESIDUAL = (ROOT / "examples" / "impossible-residual.json").read_text(encoding="utf-8")
BASE = "http://127.0.0.1:8321"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(SPECS / "tutorial-convnet.json", served)
    shutil.copy(ROOT / "examples" / "impossible-residual.json", served)
    (tmp_path / "secret.json").write_text('{"secret": true}', encoding="utf-8")
    return served


@pytest.fixture
def client(folder: Path) -> Iterator[TestClient]:
    with TestClient(create_app(folder, initial="tutorial-convnet.json"), base_url=BASE) as c:
        yield c


def post(client: TestClient, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json=body).json()


def edited(text: str, **changes: Any) -> str:
    """The spec with its first layer's arguments changed."""
    data = json.loads(text)
    data["layers"][0].update(changes)
    return json.dumps(data)


# The page and the computing endpoints.


def test_the_page_and_its_script_are_served_with_a_strict_policy(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert '<textarea id="editor"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/app.js").status_code == 200
    assert "http" not in page.text.replace("http://www.w3.org", "")  # nothing from elsewhere


def test_trace_gives_the_table_totals_and_memory(client: TestClient) -> None:
    view = post(client, "/api/trace", {"text": TUTORIAL, "path": "tutorial-convnet.json"})
    assert view["ok"] is True
    trace = view["trace"]
    assert trace["total_params"] == 631_658
    assert [row["output_shape_text"] for row in trace["layers"][:3]] == [
        "(32, 32, 64)",
        "(32, 32, 64)",
        "(16, 16, 64)",
    ]
    assert trace["memory"]["batch_size"] == 32
    assert trace["readable"]["total_params"] == "2.41 MB"


@pytest.mark.parametrize(
    ("dtype", "batch", "params_bytes", "batch_seen"),
    [("float32", None, 2_526_632, 32), ("float16", 8, 1_263_316, 8), ("float64", 1, 5_053_264, 1)],
)
def test_trace_at_a_chosen_dtype_and_batch(
    client: TestClient, dtype: str, batch: int | None, params_bytes: int, batch_seen: int
) -> None:
    body = {"text": TUTORIAL, "dtype": dtype, "batch_size": batch}
    trace = post(client, "/api/trace", body)["trace"]
    assert trace["total_params_bytes"] == params_bytes
    assert trace["memory"]["batch_size"] == batch_seen


def test_an_edit_changes_the_shapes(client: TestClient) -> None:
    text = edited(TUTORIAL, padding="valid")
    trace = post(client, "/api/trace", {"text": text})["trace"]
    assert trace["layers"][0]["output_shape"] == [30, 30, 64]


@pytest.mark.parametrize(
    ("text", "expected", "layer", "fixable"),
    [
        ('{"input": ', "spec:1:11: the JSON ends too early", None, False),
        (edited(TUTORIAL, type="Conv9D"), "spec: layers[0]", 0, False),
        (edited(TUTORIAL, filters=-3), "layers[0]", 0, False),
        (RESIDUAL, "layers[3] ('sum', Add)", 3, True),
        ('{"a": 1, "a": 2}', "the key 'a' appears twice", None, False),
        ("[1, 2]", "must be a JSON object", None, False),
    ],
)
def test_a_refused_spec_is_one_line_at_its_layer(
    client: TestClient, text: str, expected: str, layer: int | None, fixable: bool
) -> None:
    view = post(client, "/api/trace", {"text": text})
    assert view["ok"] is False
    assert expected in view["error"]
    assert (view["layer"], view["fixable"]) == (layer, fixable)
    assert post(client, "/api/trace", {"text": TUTORIAL})["ok"] is True  # still serving


def test_fix_offers_ranked_repairs_that_trace(client: TestClient) -> None:
    view = post(client, "/api/fix", {"text": RESIDUAL})
    assert view["ok"] is True
    assert "sum" in view["refusal"]
    assert [fix["rank"] for fix in view["fixes"]] == list(range(1, len(view["fixes"]) + 1))
    first = view["fixes"][0]
    assert first["changes"]
    assert post(client, "/api/trace", {"text": first["spec"]})["ok"] is True


def test_fix_of_a_valid_spec_has_nothing_to_fix(client: TestClient) -> None:
    view = post(client, "/api/fix", {"text": TUTORIAL})
    assert (view["refusal"], view["fixes"]) == (None, [])


@pytest.mark.skipif(shutil.which("dot") is None, reason="the diagram needs Graphviz' dot")
def test_diagram_is_the_plot_commands_svg(client: TestClient) -> None:
    from archplan.report.diagram import render
    from archplan.serve.views import parse_text

    response = client.post("/api/diagram", json={"text": TUTORIAL})
    assert response.headers["content-type"] == "image/svg+xml"
    expected = render(parse_text(TUTORIAL, "spec").trace, "svg")
    assert response.content == expected


def test_diagram_of_a_refused_spec_is_its_message(client: TestClient) -> None:
    view = post(client, "/api/diagram", {"text": RESIDUAL})
    assert view["ok"] is False
    assert "layers[3]" in view["error"]


def test_compare_marks_the_best_of_each_row(client: TestClient) -> None:
    smaller = edited(TUTORIAL, filters=8, name="small")
    specs = [{"text": TUTORIAL, "path": "a.json"}, {"text": smaller, "path": "b.json"}]
    view = post(client, "/api/compare", {"specs": specs})
    assert view["ok"] is True
    rows = {row["label"]: row for row in view["rows"]}
    assert rows["Parameters"]["best"] == [1]
    assert rows["Parameters"]["values"][0] == "631,658"


def test_compare_names_the_spec_that_does_not_trace(client: TestClient) -> None:
    specs = [{"text": TUTORIAL}, {"text": RESIDUAL, "path": "impossible-residual.json"}]
    view = post(client, "/api/compare", {"specs": specs})
    assert view["ok"] is False
    assert view["error"].startswith("impossible-residual.json: layers[3]")


def test_plan_under_a_budget_and_open_a_point(client: TestClient) -> None:
    form = {"input": "32x32x3", "classes": "10", "max_params": "100k", "samples": "200",
            "family": "plain"}  # fmt: skip
    view = post(client, "/api/plan", form)
    assert view["ok"] is True, view
    assert view["points"]
    assert all(point["params"] <= 100_000 for point in view["points"])
    assert any(point["pareto"] for point in view["points"])
    spec = client.get(f"/api/plan/{view['plan']}/1").json()
    trace = post(client, "/api/trace", {"text": spec["text"]})["trace"]
    assert trace["total_params"] == view["points"][0]["params"]


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"input": "32x32", "classes": "10"}, "input"),
        ({"input": "32x32x3", "classes": "10", "max_params": "lots"}, "--max-params"),
        ({"input": "32x32x3", "classes": "1"}, "--classes"),
        ({"input": "32x32x3", "classes": "10", "objective": "speed"}, "--objective 'speed'"),
        ({"input": "32x32x3", "classes": "10", "max_params": "10", "family": "plain",
          "samples": "50"}, "fit"),
    ],
)  # fmt: skip
def test_plan_refuses_a_bad_budget_in_one_line(
    client: TestClient, form: dict[str, str], expected: str
) -> None:
    view = post(client, "/api/plan", form)
    assert view["ok"] is False
    assert expected in view["error"]


def test_a_point_of_an_unknown_plan_is_refused(client: TestClient) -> None:
    view = client.get("/api/plan/99/1").json()
    assert "plan 99: no longer kept" in view["error"]


# The served folder: list, read, watch, save.


def test_files_lists_the_folders_specs_and_the_one_to_open(client: TestClient) -> None:
    view = client.get("/api/files").json()
    assert view["files"] == ["impossible-residual.json", "tutorial-convnet.json"]
    assert view["initial"] == "tutorial-convnet.json"


def test_files_lists_subfolders_but_not_hidden_or_tool_ones(
    client: TestClient, folder: Path
) -> None:
    for relative in ("a/one.json", "a/b/c/deep.json", "a/b/c/d/too-deep.json", ".git/x.json",
                     "runs/r/spec.json", "a/notes.txt"):  # fmt: skip
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text("{}", encoding="utf-8")
    listed = client.get("/api/files").json()["files"]
    assert listed == ["a/b/c/deep.json", "a/one.json", "impossible-residual.json",
                      "tutorial-convnet.json"]  # fmt: skip


def test_file_reads_a_spec_with_its_modification_time(client: TestClient, folder: Path) -> None:
    view = client.get("/api/file", params={"path": "tutorial-convnet.json"}).json()
    assert view["text"] == TUTORIAL
    assert view["mtime"] == (folder / "tutorial-convnet.json").stat().st_mtime_ns


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("../secret.json", "outside the served folder"),
        ("/etc/passwd.json", "outside the served folder"),
        ("tutorial-convnet.txt", "only .json"),
        ("missing.json", "no such file"),
        ("", "name a .json file"),
    ],
)
def test_a_path_outside_the_folder_is_refused(client: TestClient, path: str, expected: str) -> None:
    view = client.get("/api/file", params={"path": path}).json()
    assert view["ok"] is False
    assert expected in view["error"]


def test_a_link_out_of_the_folder_is_refused(client: TestClient, folder: Path) -> None:
    (folder / "link.json").symlink_to(folder.parent / "secret.json")
    view = client.get("/api/file", params={"path": "link.json"}).json()
    assert "outside the served folder" in view["error"]
    assert "link.json" not in client.get("/api/files").json()["files"]


def test_mtime_follows_the_file(client: TestClient, folder: Path) -> None:
    path = folder / "tutorial-convnet.json"
    before = client.get("/api/mtime", params={"path": path.name}).json()["mtime"]
    path.write_text(TUTORIAL + " ", encoding="utf-8")
    after = client.get("/api/mtime", params={"path": path.name}).json()["mtime"]
    assert after == path.stat().st_mtime_ns != before
    assert client.get("/api/mtime", params={"path": "gone.json"}).json()["mtime"] is None


def test_save_writes_a_new_file(client: TestClient, folder: Path) -> None:
    view = post(client, "/api/save", {"path": "new.json", "text": TUTORIAL})
    assert view["ok"] is True
    assert (folder / "new.json").read_text(encoding="utf-8") == TUTORIAL
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_save_never_replaces_a_file_unasked(client: TestClient, folder: Path) -> None:
    before = (folder / "tutorial-convnet.json").read_text(encoding="utf-8")
    response = client.post("/api/save", json={"path": "tutorial-convnet.json", "text": "{}"})
    assert response.status_code == 409
    assert "never overwrites a file unasked" in response.json()["error"]
    assert (folder / "tutorial-convnet.json").read_text(encoding="utf-8") == before


def test_save_replaces_the_loaded_file_when_asked(client: TestClient, folder: Path) -> None:
    loaded = client.get("/api/file", params={"path": "tutorial-convnet.json"}).json()
    text = edited(TUTORIAL, filters=8)
    body = {"path": "tutorial-convnet.json", "text": text, "replace": True,
            "mtime": loaded["mtime"]}  # fmt: skip
    assert post(client, "/api/save", body)["ok"] is True
    assert (folder / "tutorial-convnet.json").read_text(encoding="utf-8") == text


def test_save_keeps_an_edit_made_on_disk_meanwhile(client: TestClient, folder: Path) -> None:
    loaded = client.get("/api/file", params={"path": "tutorial-convnet.json"}).json()
    on_disk = TUTORIAL.replace("tutorial", "edited elsewhere")
    (folder / "tutorial-convnet.json").write_text(on_disk, encoding="utf-8")
    body = {"path": "tutorial-convnet.json", "text": "{}", "replace": True,
            "mtime": loaded["mtime"] - 1}  # fmt: skip
    response = client.post("/api/save", json=body)
    assert response.status_code == 409
    assert "changed on disk since it was loaded" in response.json()["error"]
    assert (folder / "tutorial-convnet.json").read_text(encoding="utf-8") == on_disk


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"path": "../escape.json", "text": "{}"}, "outside the served folder"),
        ({"path": "bad.json", "text": '{"input": '}, "bad.json:1:11"),
        ({"path": "nowhere/bad.json", "text": "{}"}, "does not exist"),
        ({"path": "bad.json", "text": 3}, "text: send the spec's text as a string"),
        ({"path": "bad.json", "text": "{}", "mtime": "soon"}, "mtime"),
    ],
)
def test_save_refuses_what_it_cannot_write_safely(
    client: TestClient, folder: Path, body: dict[str, Any], expected: str
) -> None:
    view = post(client, "/api/save", body)
    assert view["ok"] is False
    assert expected in view["error"]
    assert not (folder.parent / "escape.json").exists()
    assert not (folder / "bad.json").exists()


# Requests refused before any work.


@pytest.mark.parametrize(
    ("headers", "status", "expected"),
    [
        ({"origin": "http://evil.example"}, 403, "a request from 'http://evil.example'"),
        ({"origin": "http://127.0.0.1:9999"}, 403, "answers only its own page"),
        ({"host": "evil.example:8321"}, 403, "Host 'evil.example:8321'"),
        ({"host": "rebound.example"}, 403, "127.0.0.1 or localhost"),
        ({"content-type": "text/plain"}, 415, "application/json"),
        ({"sec-fetch-site": "same-site"}, 403, "a same-site request"),
        ({"sec-fetch-site": "cross-site"}, 403, "a cross-site request"),
    ],
)
def test_a_request_from_elsewhere_is_refused(
    client: TestClient, headers: dict[str, str], status: int, expected: str
) -> None:
    body = json.dumps({"text": TUTORIAL})
    response = client.post(
        "/api/trace", content=body, headers={"content-type": "application/json", **headers}
    )
    assert response.status_code == status
    assert expected in response.json()["error"]


@pytest.mark.parametrize("url", ["/", "/static/app.js", "/api/files"])
def test_another_host_gets_nothing_not_even_the_static_files(client: TestClient, url: str) -> None:
    response = client.get(url, headers={"host": "rebound.example:8321"})
    assert response.status_code == 403
    assert "127.0.0.1 or localhost" in response.json()["error"]


def test_the_layer_catalogue_offers_every_type_with_a_valid_starter(client: TestClient) -> None:
    from archplan.layers import all_layer_classes

    layers = client.get("/api/layers").json()["layers"]
    kinds = {entry["type"] for entry in layers}
    assert kinds == {cls.__name__ for cls in all_layer_classes()}
    conv = next(entry for entry in layers if entry["type"] == "Conv2D")
    padding = next(arg for arg in conv["arguments"] if arg["name"] == "padding")
    assert (padding["default"], padding["choices"]) == ("valid", ["valid", "same"])
    from archplan.schema import parse_spec

    for entry in layers:  # each starter is a valid layer (a merge's inputs are the user's)
        if not any(arg["name"] == "inputs" and arg["required"] for arg in entry["arguments"]):
            parse_spec({"input": {"shape": [32, 32, 3]}, "layers": [entry["starter"]]})


def test_the_pages_own_origin_is_answered(client: TestClient) -> None:
    response = client.post("/api/trace", json={"text": TUTORIAL}, headers={"origin": BASE})
    assert response.json()["ok"] is True


def test_a_huge_paste_is_refused_and_the_server_keeps_serving(client: TestClient) -> None:
    huge = json.dumps({"text": " " * (MAX_BODY_BYTES + 1)})
    response = client.post("/api/trace", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "larger than 4 MB" in response.json()["error"]
    assert post(client, "/api/trace", {"text": TUTORIAL})["ok"] is True


def test_a_huge_paste_without_a_length_is_refused_too(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(MAX_BODY_BYTES // 2**16 + 2):
            yield b" " * 2**16
        yield b'"}'

    response = client.post(
        "/api/trace", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"not json", "not JSON"),
        (b"[1]", "a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "nests deeper"),
        (b'{"text": 5}', "text: send the spec's text as a string"),
        (b'{"text": "{}", "dtype": "int8"}', "dtype 'int8'"),
        (b'{"text": "{}", "batch_size": 0}', "batch size 0"),
    ],
)
def test_a_malformed_request_is_one_line(client: TestClient, body: bytes, expected: str) -> None:
    response = client.post("/api/trace", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert expected in response.json()["error"]


def test_a_spec_too_large_to_fix_or_draw_here_says_where_to_go(client: TestClient) -> None:
    layers = [{"type": "Identity"}] * 1_000 + [{"type": "MaxPooling2D", "pool_size": 64}]
    text = json.dumps(chain(*layers))
    view = post(client, "/api/trace", {"text": text})
    assert (view["layer"], view["fixable"]) == (1_000, True)
    assert "run archplan fix on the file" in post(client, "/api/fix", {"text": text})["error"]
    drawn = json.dumps(chain(*[{"type": "Identity"}] * 1_001))
    assert "archplan plot" in post(client, "/api/diagram", {"text": drawn})["error"]


def test_a_spec_of_too_many_layers_for_the_page_is_one_line(client: TestClient) -> None:
    text = json.dumps(chain(*[{"type": "Identity"}] * 5_001))
    view = post(client, "/api/trace", {"text": text, "path": "big.json"})
    assert view["error"] == (
        "big.json: 5,001 layers, more than the page traces as you type (5,000); "
        "archplan trace big.json traces it"
    )


def test_a_bug_is_one_line_and_the_server_keeps_serving(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("archplan.serve.app.compare_view", broken)
    response = client.post("/api/compare", json={"specs": [{"text": TUTORIAL}] * 2})
    assert response.status_code == 500
    assert response.json()["error"] == (
        "archplan serve hit a bug (RuntimeError: boom); please report it"
    )
    assert post(client, "/api/trace", {"text": TUTORIAL})["ok"] is True


def test_compare_refuses_a_single_spec(client: TestClient) -> None:
    assert "two to eight" in post(client, "/api/compare", {"specs": [{"text": TUTORIAL}]})["error"]


# The real server.


def test_the_real_server_answers_on_loopback_and_stops(folder: Path) -> None:
    import httpx2

    from archplan.serve.running import running

    with running(create_app(folder)) as url, httpx2.Client(base_url=url) as http:
        assert url.startswith("http://127.0.0.1:")
        view = http.post("/api/trace", json={"text": TUTORIAL}).json()
        served = threading.enumerate()
    assert view["trace"]["total_params"] == 631_658
    assert "archplan-serve" in {thread.name for thread in served}
    assert "archplan-serve" not in {thread.name for thread in threading.enumerate()}
