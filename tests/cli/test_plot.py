"""``archplan plot``: real SVG and PNG files, and one clear line for every way it can fail.

Drawing needs Graphviz' ``dot``, which ``make`` installs. Without it these tests are skipped on a
developer's machine, but not in CI (``CI`` set), where a missing ``dot`` must fail loudly.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archplan.cli import app
from tests.conftest import SPECS

runner = CliRunner()
ENV = {"COLUMNS": "160", "NO_COLOR": "1", "TERM": "dumb"}
TUTORIAL = str(SPECS / "tutorial-convnet.json")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not os.environ.get("CI"),
    reason="Graphviz' dot is not installed (make test installs it)",
)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=ENV)
    return result.exit_code, result.stdout, result.stderr


def svg_texts(path: Path) -> str:
    """All the text an SVG shows, parsed as XML (a broken file raises)."""
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return " ".join(text for element in root.iter() for text in [element.text] if text)


@needs_dot
def test_svg_shows_every_layer_with_its_type_arguments_and_shapes(tmp_path: Path) -> None:
    output = tmp_path / "net.svg"
    code, out, err = invoke("plot", TUTORIAL, "-o", str(output))
    assert (code, out, err) == (0, f"wrote {output}\n", "")
    texts = svg_texts(output)
    names = ["conv2d", "conv2d_1", "max_pooling2d", "conv2d_5", "flatten", "dense", "dense_2"]
    for text in [*names, "(Conv2D)", "(MaxPooling2D)", "(InputLayer)", "64 filters, 3×3, same, relu",
                 "(32, 32, 3) → (32, 32, 64)", "(64,) → (10,)", "tutorial-convnet"]:  # fmt: skip
        assert text in texts


@needs_dot
def test_png_is_a_real_image(tmp_path: Path) -> None:
    image_module = pytest.importorskip("PIL.Image")
    output = tmp_path / "net.PNG"
    assert (
        invoke("plot", str(SPECS / "tutorial-dimensioning.json"), "--output", str(output))[0] == 0
    )
    with image_module.open(output) as image:
        image.verify()
    with image_module.open(output) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert height > 2 * width > 200  # a column of nine boxes
        assert len(image.convert("L").getcolors(256) or []) > 2  # drawn, not blank


@needs_dot
def test_plot_replaces_its_own_output(tmp_path: Path) -> None:
    output = tmp_path / "net.svg"
    output.write_text("old")
    assert invoke("plot", TUTORIAL, "-o", str(output))[0] == 0
    assert "conv2d_5" in svg_texts(output)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "net.pdf",
            "net.pdf: cannot tell the diagram format from '.pdf'; name the file .svg or .png",
        ),
        (
            "net",
            "net: cannot tell the diagram format from no extension; name the file .svg or .png",
        ),
    ],
)
def test_unknown_extension_is_one_line_exit_2(tmp_path: Path, name: str, expected: str) -> None:
    code, out, err = invoke("plot", TUTORIAL, "-o", str(tmp_path / name))
    assert (code, out) == (2, "")
    assert err == f"error: {tmp_path}/{expected}\n"
    assert not (tmp_path / name).exists()


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    output = tmp_path / "nowhere" / "net.svg"
    code, out, err = invoke("plot", TUTORIAL, "-o", str(output))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {output}: the directory {output.parent} does not exist; "
        "create it first or write elsewhere\n"
    )


def test_a_directory_is_not_an_output(tmp_path: Path) -> None:
    folder = tmp_path / "diagram.svg"
    folder.mkdir()
    code, _, err = invoke("plot", TUTORIAL, "-o", str(folder))
    assert code == 2
    assert err == f"error: {folder}: is a directory; name a .svg or .png file inside it\n"


def test_bad_spec_is_reported_before_drawing(tmp_path: Path) -> None:
    code, _, err = invoke("plot", str(tmp_path / "missing.json"), "-o", str(tmp_path / "x.svg"))
    assert code == 2
    assert "no such file" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "x.svg").exists()


def test_missing_dot_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on it
    output = tmp_path / "net.png"
    code, out, err = invoke("plot", TUTORIAL, "-o", str(output))
    assert (code, out) == (2, "")
    assert err.startswith("error: plot needs Graphviz' 'dot' program, which is not on PATH;")
    assert "apt-get install graphviz" in err
    assert err.count("\n") == 1
    assert not output.exists()


def test_output_option_is_required() -> None:
    code, _, err = invoke("plot", TUTORIAL)
    assert code == 2
    assert "Missing option '--output' / '-o'" in err


def test_help() -> None:
    code, out, _ = invoke("plot", "--help")
    assert code == 0
    assert "an existing file is replaced" in out
