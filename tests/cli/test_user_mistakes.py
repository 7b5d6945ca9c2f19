"""Every user mistake ends in one clear line and exit 2: odd files, odd text, odd terminals.

Each kind of mistake is tested at its root (the reader, the console, the option), with examples
that are not the only ones the fix covers.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archplan.cli import app
from archplan.files import reading as files
from tests.conftest import SPECS, chain

runner = CliRunner()
PLAIN = {"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
DIMENSIONING = str(SPECS / "tutorial-dimensioning.json")
CONV = {"type": "Conv2D", "filters": 4, "kernel_size": 3}
ESC = "\x1b"


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={**PLAIN, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def refused(*args: str, env: dict[str, str] | None = None) -> str:
    """The one error line of a refused command (exit 2, nothing on stdout)."""
    code, out, err = invoke(*args, env=env)
    assert (code, out) == (2, ""), err
    assert err.startswith("error: "), err
    assert err.count("\n") == 1, err
    return err.removeprefix("error: ").rstrip("\n")


# --- files that are not spec files ---------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.json"
    os.mkfifo(fifo)
    assert refused("trace", str(fifo)) == (
        f"{fifo}: is not a regular file (a pipe, device or socket), so it cannot be read as a "
        "spec; save the spec to a file and name that"
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_without_reading_it() -> None:
    assert "/dev/zero: is not a regular file" in refused("trace", "/dev/zero")


def test_a_file_larger_than_any_spec_is_refused_before_it_is_read(
    write_spec: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 2**20)
    path = write_spec(" " * (2**20 + 1) + "{}")
    assert refused("trace", str(path)) == (
        f"{path}: is 1 MB, more than any spec (at most 1 MB); is this the right file?"
    )


@pytest.mark.parametrize("depth", [65, 900, 5000])
def test_deep_nesting_is_refused_by_its_depth(depth: int, write_spec: Callable[..., Path]) -> None:
    path = write_spec('{"input": ' + "[" * depth + "]" * depth + ', "layers": []}')
    assert refused("trace", str(path)) == (
        f"{path}: the JSON is nested {depth + 1:,} levels deep, deeper than any spec (at most 64); "
        "is this the right file?"
    )


def test_brackets_inside_strings_are_not_nesting() -> None:
    assert files.nesting_depth('{"name": "[[[[{{{{", "a": [1, {"b": "\\"]]]"}]}') == 3


def test_a_key_given_twice_is_refused_with_its_lines(write_spec: Callable[..., Path]) -> None:
    layers = json.dumps(chain(CONV)["layers"])
    text = f'{{\n  "input": {{"shape": [8, 8, 3]}},\n  "layers": {layers},\n  "layers": []\n}}'
    path = write_spec(text)
    assert refused("trace", str(path)) == (
        f"{path}: the key 'layers' appears twice in one object (lines 3, 4); JSON would keep only "
        "the last one, so remove or rename the other"
    )


@pytest.mark.parametrize(
    ("layer", "training", "expected"),
    [
        ({"type": "Rescaling", "scale": "NaN"}, None,
         "layers[0] (Rescaling): scale: expected a finite number, or a list of them (one per channel), got NaN"),
        ({"type": "Rescaling", "scale": 1, "offset": ["Infinity"]}, None,
         "layers[0] (Rescaling): offset: expected a finite number, or a list of them (one per channel), got [Infinity]"),
        ({"type": "Normalization", "mean": "-Infinity", "variance": 1}, None,
         "layers[0] (Normalization): mean: expected a finite number, or a list of them (one per channel), got -Infinity"),
        ({"type": "Flatten"}, {"optimizer": {"type": "SGD", "learning_rate": "NaN"}},
         "training.optimizer.learning_rate: input should be a finite number, got NaN"),
        ({"type": "Flatten"}, {"rescale": {"scale": "Infinity"}},
         "training.rescale.scale: input should be a finite number, got Infinity"),
    ],
)  # fmt: skip
def test_nan_and_infinity_are_refused(
    layer: dict[str, object],
    training: dict[str, object] | None,
    expected: str,
    write_spec: Callable[..., Path],
) -> None:
    spec = {**chain(layer, shape=(8, 8, 3)), **({"training": training} if training else {})}
    text = json.dumps(spec).replace('"NaN"', "NaN").replace('"-Infinity"', "-Infinity")
    path = write_spec(text.replace('"Infinity"', "Infinity"))
    assert refused("trace", str(path)) == f"{path}: {expected}"


# --- text from files is data ---------------------------------------------------------------------


def test_markup_in_names_is_printed_as_it_is(write_spec: Callable[..., Path]) -> None:
    spec = {
        "name": "net [link=https://example.invalid]click[/link] [bold red]x",
        **chain({**CONV, "name": "c[b]o[blink]nv"}, {"type": "Flatten"}, shape=(8, 8, 3)),
    }
    code, out, err = invoke("trace", str(write_spec(spec)))
    assert (code, err) == (0, "")
    assert "net [link=https://example.invalid]click[/link] [bold red]x: input (8, 8, 3)" in out
    assert "c[b]o[blink]nv (Conv2D)" in out


@pytest.mark.parametrize("field", ["name", "layer name"])
def test_control_characters_in_names_are_refused(field: str) -> None:
    from archplan import SpecError, parse_spec

    layer = {**CONV, "name": "a\x1b]0;owned\x07"} if field == "layer name" else CONV
    spec = {**chain(layer), **({"name": "n\x1b[2J"} if field == "name" else {})}
    with pytest.raises(SpecError, match=r"a name must be printable text, got .*control character"):
        parse_spec(spec)


def test_control_characters_from_a_file_are_shown_not_obeyed(tmp_path: Path) -> None:
    """A file's name (a network without a name) and a bad value reach the terminal escaped."""
    path = tmp_path / "evil\x1b[2J.json"
    path.write_text(json.dumps(chain(CONV, {"type": "Dense\x1b]0;title\x07", "units": 2})))
    message = refused("trace", str(path))
    assert ESC not in message
    assert "\x07" not in message
    assert "evil\\x1b[2J.json" in message
    assert "unknown layer type 'Dense\\x1b]0;title\\x07'" in message

    path.write_text(json.dumps(chain(CONV, shape=(8, 8, 3))))
    code, out, err = invoke("trace", str(path))
    assert (code, err) == (0, "")
    assert ESC not in out
    assert "evil\\x1b[2J: input (8, 8, 3)" in out


@pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"), reason="no Graphviz")
@pytest.mark.parametrize(
    "name", ["ends in a backslash \\", "has <b>bold</b> & more", 'quote " here']
)
def test_plot_draws_any_name_as_text(
    name: str, write_spec: Callable[..., Path], tmp_path: Path
) -> None:
    layer = f"conv {name}".replace("/", "|")  # Keras refuses '/' in layer names
    spec = {"name": name, **chain({**CONV, "name": layer}, shape=(8, 8, 3))}
    output = tmp_path / "net.svg"
    code, _, err = invoke("plot", str(write_spec(spec)), "-o", str(output))
    assert (code, err) == (0, "")
    svg = output.read_text()
    escaped = escape_svg(name)
    assert escaped in svg
    assert escape_svg(layer) in svg


def escape_svg(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


# --- odd terminals and usage -------------------------------------------------------------------


@pytest.mark.parametrize("columns", ["0", "5", "junk"])
def test_an_unusable_width_still_prints_everything(columns: str) -> None:
    code, out, err = invoke("trace", DIMENSIONING, env={"COLUMNS": columns})
    assert (code, err) == (0, "")
    assert "tutorial-dimensioning: input (32, 32, 3)" in out
    flat = " ".join(out.split())
    for value in (
        "8,228 (32.14 KB)",
        "MACs: 1,179,292",
        "Training memory: 2.65 MB",
        "activations 2.19 MB",
    ):
        assert value in flat


def test_an_error_is_printed_whatever_the_width() -> None:
    code, out, err = invoke("trace", "no-such.json", env={"COLUMNS": "0"})
    assert (code, out) == (2, "")
    assert err == "error: no-such.json: no such file; check the path (ready specs are in specs/)\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["trace"], "Missing argument 'SPEC'. (see: archplan trace --help)"),
        (["trace", DIMENSIONING, "--bogus"], "No such option: --bogus (see: archplan trace --help)"),
        (["trace", DIMENSIONING, "--batch-size", "0"],
         "Invalid value for '--batch-size': Input should be greater than or equal to 1 (see: archplan trace --help)"),
        (["nosuch"], "No such command 'nosuch'. (see: archplan --help)"),
        (["realize", DIMENSIONING, "--seed", "-1"],
         "Invalid value for '--seed': Input should be greater than or equal to 0 (see: archplan realize --help)"),
        (["realize", DIMENSIONING, "--seed", str(2**32)],
         f"Invalid value for '--seed': Input should be less than or equal to {2**32 - 1} (see: archplan realize --help)"),
        (["realize", DIMENSIONING, "--batch-size", str(10**12)],
         f"Invalid value for '--batch-size': Input should be less than or equal to {2**31 - 1} (see: archplan realize --help)"),
    ],
)  # fmt: skip
def test_usage_mistakes_are_one_line(args: list[str], expected: str) -> None:
    assert refused(*args) == expected


@pytest.mark.parametrize(
    ("training", "expected"),
    [
        ({"seed": -1}, "training.seed: input should be greater than or equal to 0, got -1"),
        ({"batch_size": 2**40}, f"training.batch_size: input should be less than or equal to {2**31 - 1}, got {2**40}"),
    ],
)  # fmt: skip
def test_seeds_and_batch_sizes_in_a_spec_are_bounded(
    training: dict[str, int], expected: str, write_spec: Callable[..., Path]
) -> None:
    path = write_spec({**chain(CONV), "training": training})
    assert refused("trace", str(path)) == f"{path}: {expected}"
