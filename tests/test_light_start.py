"""A light start: each command loads and builds only what it uses (issue: a one-way house, §2).

pydantic "builds" a model (its validator and serializer) on first use; archplan's models defer
that, and the spec's layer families and training block are loaded only when a spec names them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from archplan.layers import FAMILIES, FAMILY_OF, all_layer_classes
from archplan.layers.args import type_tags
from tests.conftest import ROOT, SPECS

PROBE = """
import json, sys
args = sys.argv[1:]
if args[0] == "import":
    __import__(args[1])
else:
    from typer.testing import CliRunner
    from archplan.cli import app
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
loaded_pydantic = "pydantic" in sys.modules
from pydantic import BaseModel
def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)
ours = [c for c in subclasses(BaseModel) if c.__module__.startswith("archplan.")]
print(json.dumps({
    "created": sorted({c.__name__ for c in ours}),
    "built": sorted({c.__name__ for c in ours if c.__pydantic_complete__}),
    "modules": sorted(m for m in sys.modules if m.startswith("archplan")),
    "pydantic": loaded_pydantic,
}))
"""


def probe(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["trace", "--help"]])
def test_version_and_help_create_no_model(args: list[str]) -> None:
    loaded = probe(*args)
    assert loaded["created"] == []
    models = {
        "archplan.schema.network",
        "archplan.schema.training",
        "archplan.schema.load",
        "archplan.layers",
    }
    assert models.isdisjoint(loaded["modules"])  # type: ignore[arg-type]


def test_a_decoder_process_loads_no_pydantic_at_all() -> None:
    loaded = probe("import", "archplan.data.worker")
    assert loaded["created"] == []
    assert loaded["pydantic"] is False


def test_trace_builds_only_the_layer_classes_its_spec_names() -> None:
    loaded = probe("trace", str(SPECS / "tutorial-dimensioning.json"))
    spec = json.loads((SPECS / "tutorial-dimensioning.json").read_text())
    named = {layer["type"] for layer in spec["layers"]}
    layer_classes = {cls.__name__ for cls in all_layer_classes()}
    assert set(loaded["built"]) & layer_classes == named
    families = {FAMILY_OF[name] for name in named}
    loaded_families = {str(m).rsplit(".", 1)[-1] for m in loaded["modules"]} & set(FAMILIES)  # type: ignore[attr-defined]
    assert loaded_families == families


def test_schema_still_holds_every_layer_type() -> None:
    loaded = probe("schema")
    assert set(loaded["created"]) >= {cls.__name__ for cls in all_layer_classes()}


def test_the_family_index_is_the_classes_own() -> None:
    """FAMILIES says where each type lives; it must say what the classes say, no more, no less."""
    from_classes = {
        tag: cls.__module__.rsplit(".", 1)[-1]
        for cls in all_layer_classes()
        for tag in type_tags(cls)
    }
    assert from_classes == FAMILY_OF


PLUGIN_PROBE = """
import sys
from archplan.cli import main
import pydantic.plugin._loader as loader
sys.argv = ["archplan", "trace", sys.argv[1]]
try:
    main()
except SystemExit:
    pass
print("searched" if loader._plugins is not None else "not searched", file=sys.stderr)
"""


@pytest.mark.parametrize(("setting", "expected"), [(None, "not searched"), ("", "searched")])
def test_the_command_skips_pydantics_plugin_search_unless_told_otherwise(
    setting: str | None, expected: str
) -> None:
    """archplan's models use no pydantic plugin: looking for them in every installed package's
    entry points is start-up time for nothing, unless the user sets PYDANTIC_DISABLE_PLUGINS."""
    environment = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        environment["PYDANTIC_DISABLE_PLUGINS"] = setting
    done = subprocess.run(
        [sys.executable, "-c", PLUGIN_PROBE, str(SPECS / "tutorial-convnet.json")],
        capture_output=True, text=True, cwd=ROOT, env=environment, check=True,
    )  # fmt: skip
    assert done.stderr.splitlines()[-1] == expected


SERVE_PROBE = """
import json, sys
from pathlib import Path
from starlette.testclient import TestClient
from archplan.serve.app import create_app
specs = Path("specs")
text = (specs / "tutorial-convnet.json").read_text()
residual = Path("examples/impossible-residual.json").read_text()
client = TestClient(create_app(specs), base_url="http://127.0.0.1:8321")
for url, body in [
    ("/api/trace", {"text": text}), ("/api/trace", {"text": residual}),
    ("/api/fix", {"text": residual}), ("/api/diagram", {"text": text}),
    ("/api/compare", {"specs": [{"text": text}, {"text": text}]}),
    ("/api/plan", {"input": "32x32x3", "classes": "10", "samples": "20", "family": "plain"}),
]:
    assert client.post(url, json=body).status_code == 200, url
assert client.get("/api/file", params={"path": "tutorial-convnet.json"}).status_code == 200
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def test_serve_never_imports_a_framework() -> None:
    """archplan serve traces, fixes, draws, plans and compares with the engine alone."""
    pytest.importorskip("starlette", reason="archplan serve needs the serve extra")
    pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2")
    done = subprocess.run(
        [sys.executable, "-c", SERVE_PROBE], capture_output=True, text=True, cwd=ROOT, check=True
    )
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    heavy = {"keras", "tensorflow", "torch", "jax", "numpy", "optuna", "matplotlib", "PIL"}
    assert loaded & heavy == set()
