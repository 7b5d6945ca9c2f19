"""``plan``, ``fix`` and ``solve`` through typer's CliRunner: tables, JSON, files, exit codes."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from archplan import parse_spec, trace_network
from archplan.cli import app
from archplan.schema import load_spec
from tests.conftest import SPECS, chain

runner = CliRunner()
WIDTH = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
SMALL_PLAN = {
    "input": {"shape": [32, 32, 3]},
    "classes": 10,
    "families": {"plain": {"stages": [2, 3], "width": [16, 32], "hidden": ["none"], "batch_norm": [False]},
                 "resnet": {"stages": [2], "depth": [1], "width": [8, 16]}},
    "constraints": {"max_params": "200K", "max_macs": "20M", "min_rf": 1.0},
    "top": 3,
}  # fmt: skip


def invoke(*args: str | Path, columns: int = 80) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(arg) for arg in args], env={**WIDTH, "COLUMNS": str(columns)})
    return result.exit_code, result.stdout, result.stderr


def words(text: str) -> str:
    """The text with its lines joined: notes wrap at the terminal's width."""
    return " ".join(text.split())


@pytest.fixture
def plan_file(write_spec: Callable[..., Path]) -> Path:
    return write_spec(SMALL_PLAN, name="small-plan.json")


def test_plan_prints_the_chosen_networks_within_80_columns(plan_file: Path) -> None:
    code, out, err = invoke("plan", plan_file)
    assert (code, err) == (0, "")
    assert max(len(line) for line in out.splitlines()) <= 80
    text = words(out)
    assert "Plan: input 32×32×3, 10 classes" in text
    assert "Ranked by the most MACs within the limits, then the fewest parameters." in text
    assert (
        "Limits: --max-params 200K, --max-macs 20M, --min-rf 1.0 (training memory at batch 64, float32)."
        in text
    )
    assert "Searched plain (all 768 points) and resnet (all 96 points):" in text
    assert out.count("✓") >= 2  # the first is always on the front, and the legend


def test_plan_json_names_the_settings_search_and_chosen(plan_file: Path) -> None:
    code, out, _ = invoke("plan", plan_file, "--json", "--top", "2", "--objective", "params")
    assert code == 0
    data = json.loads(out)
    assert data["plan"]["objective"] == "params"
    assert data["plan"]["constraints"] == {
        "max_params": 200_000,
        "max_macs": 20_000_000,
        "min_rf": 1.0,
    }
    assert [family["family"] for family in data["search"]["families"]] == ["plain", "resnet"]
    assert {"examined", "feasible", "seconds", "per_second"} <= set(data["search"])
    chosen = data["chosen"]
    assert [row["rank"] for row in chosen] == [1, 2]
    assert chosen[0]["params"] <= chosen[1]["params"]
    for key in ("family", "name", "point", "stage_depths", "stage_widths", "macs",
                "training_memory_bytes", "receptive_field", "rf_fraction", "final_size", "pareto"):  # fmt: skip
        assert key in chosen[0]


def test_flags_override_the_plan_file(plan_file: Path) -> None:
    code, out, _ = invoke("plan", plan_file, "--json", "--max-params", "30K", "--family", "resnet")
    assert code == 0
    data = json.loads(out)
    assert data["plan"]["constraints"]["max_params"] == 30_000
    assert list(data["plan"]["families"]) == ["resnet"]
    assert all(row["params"] <= 30_000 and row["family"] == "resnet" for row in data["chosen"])


def test_out_writes_specs_that_trace_within_the_limits_and_the_plan_files(
    plan_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "plans" / "small"
    code, stdout, err = invoke("plan", plan_file, "--out", out)
    assert code == 0, err
    assert f"to {out}" in stdout.replace("\n", "")
    files = sorted(path.name for path in out.iterdir())
    specs = [name for name in files if name[:2].isdigit()]
    assert len(specs) == 3
    assert {"plan.json", "plan.csv"} <= set(files)
    for name in specs:
        network = load_spec(out / name)
        trace = trace_network(network)
        assert trace.total_params <= 200_000
        assert (trace.total_macs or 0) <= 20_000_000
        assert network.description is not None
        assert "Chosen by archplan plan as number" in network.description
        assert network.training is not None
        assert network.training.optimizer.type == "Adam"
    plan = json.loads((out / "plan.json").read_text())
    assert [c["spec"] for c in plan["candidates"][:3]] == specs
    assert "seconds" not in plan["search"]  # the same command writes the same file
    rows = list(csv.DictReader((out / "plan.csv").read_text().splitlines()))
    assert len(rows) == len(plan["candidates"]) == plan["search"]["feasible"]
    assert rows[0]["spec"] == specs[0]
    assert rows[0]["point.stages"]


def test_out_draws_the_front_when_matplotlib_is_there(plan_file: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    code, _, _ = invoke("plan", plan_file, "--out", tmp_path / "p")
    assert code == 0
    assert (tmp_path / "p" / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_same_command_writes_the_same_plan(plan_file: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert invoke("plan", plan_file, "--out", tmp_path / name, "--samples", "50")[0] == 0
    for name in ("plan.json", "plan.csv"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()


def test_a_plan_folder_is_never_overwritten_without_force(plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "p"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, stdout, err = invoke("plan", plan_file, "--out", out)
    assert (code, stdout) == (2, "")
    assert err == (
        f"error: {out}: already holds files, and a plan never overwrites them; choose another "
        "--out-dir, or pass --force to replace the plan's files in it\n"
    )
    assert invoke("plan", plan_file, "--out", out, "--force")[0] == 0
    assert (out / "notes.txt").read_text() == "mine"


def test_nothing_fits_is_exit_2_with_the_nearest_and_the_flag_to_change() -> None:
    code, out, err = invoke(
        "plan", "--input", "32x32x3", "--classes", "10", "--max-params", "1K", "--family", "resnet"
    )
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(
        "error: nothing fits: of 2,281 resnet networks for 32×32×3, the nearest (resnet-1x8-k3-gap) has 1,554 parameters (--max-params 1,000); raise --max-params to 1,560, or add --family plain (2 fit), or add --family mobile (1 fit)\n"
    )
    assert "Traceback" not in err


def test_nothing_fits_names_every_limit_the_nearest_breaks(plan_file: Path) -> None:
    code, _, err = invoke("plan", plan_file, "--max-params", "1K", "--family", "resnet")
    assert code == 2
    assert err.startswith("error: nothing fits: of 80 resnet networks for 32×32×3, the nearest (")
    assert "parameters (--max-params 1,000); raise --max-params to " in err
    assert "× the input (--min-rf 1.0); lower --min-rf to " in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input-shape", "32x32", "--classes", "10"], "error: --input-shape: '32x32' is not an image shape"),
        (["--input-shape", "32x32x3", "--classes", "10", "--max-params", "lots"], "error: --max-params: 'lots' is not a count"),
        (["--input-shape", "32x32x3", "--classes", "10", "--max-memory", "64M"], "error: --max-memory: '64M': say the unit in bytes"),
        (["--input-shape", "32x32x3", "--classes", "10", "--final-size", "8..2"], "error: --final-size: '8..2' is an empty range"),
        (["--input-shape", "32x32x3", "--classes", "10", "--family", "resnt"], "error: --family: unknown family 'resnt' (did you mean 'resnet'?)"),
        (["--classes", "10"], "error: give --input-shape (e.g. 32x32x3), or a plan file with 'input' and 'classes'"),
        (["--input-shape", "32x32x3", "--classes", "10", "--force"], "error: --force: only with --out-dir"),
        (["--input-shape", "32x32x3", "--classes", "1"], "error: Invalid value for '--classes': Input should be greater than or equal to 2 (see: archplan plan --help)"),
        (["missing-plan.json"], "error: missing-plan.json: no such file; check the path"),
    ],
)  # fmt: skip
def test_bad_plan_flags_are_one_line(args: list[str], message: str) -> None:
    code, out, err = invoke("plan", *args)
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_a_malformed_plan_file_is_one_line(write_spec: Callable[..., Path]) -> None:
    path = write_spec({**SMALL_PLAN, "constraints": {"max_params": True}}, name="plan.json")
    code, _, err = invoke("plan", path)
    assert code == 2
    assert (
        err
        == f"error: {path}: constraints.max_params: expected a number or a string such as '1M', got True\n"
    )


# fix


def write_impossible(write_spec: Callable[..., Path]) -> Path:
    data: dict[str, Any] = json.loads((SPECS / "tutorial-dimensioning.json").read_text())
    data["layers"][4]["kernel_size"] = 9
    return write_spec(data, name="impossible.json")


def test_fix_lists_verified_changes_and_writes_the_one_picked(
    write_spec: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_impossible(write_spec)
    before = path.read_bytes()
    fixed = tmp_path / "fixed.json"
    code, out, err = invoke("fix", path, "-o", fixed, "--pick", "2", columns=160)
    assert (code, err) == (0, "")
    text = words(out)
    assert text.startswith(
        "refused: layers[4] ('conv2d_2', Conv2D) on input (7, 7, 8): the output would be empty"
    )
    assert "layers[4] ('conv2d_2', Conv2D): padding 'valid' → 'same'" in text
    assert "Before: the 4 layers before the refusal trace to 2,376 parameters" in text
    assert out.endswith(f"wrote fix 2 to {fixed}\n")
    assert path.read_bytes() == before
    written = json.loads(fixed.read_text())
    assert written["layers"][3] == {"type": "MaxPooling2D", "pool_size": 2, "strides": 1}
    trace_network(parse_spec(written))
    assert invoke("fix", fixed)[:2] == (0, f"{fixed}: nothing to fix: it traces\n")


def test_fix_json_lists_every_fix_with_its_spec(write_spec: Callable[..., Path]) -> None:
    code, out, _ = invoke("fix", write_impossible(write_spec), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["valid"] is False
    assert data["fixes"][0]["changes"] == [
        "layers[4] ('conv2d_2', Conv2D): padding 'valid' → 'same'"
    ]
    for fix in data["fixes"]:
        trace_network(parse_spec(fix["spec"]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{spec}"], "is the spec itself; fix never changes it, name another file"),
        (["-o", "{existing}"], "already exists, and archplan never overwrites a file unasked; choose another -o, or pass --force to replace it"),
        (["--pick", "99"], "error: --pick 99: there are 14 fixes; pick 1 to 14"),
    ],
)  # fmt: skip
def test_fix_refuses_to_overwrite(
    args: list[str], message: str, write_spec: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_impossible(write_spec)
    existing = tmp_path / "existing.json"
    existing.write_text("{}")
    filled = [arg.format(spec=path, existing=existing) for arg in args]
    code, out, err = invoke("fix", path, *filled)
    assert (code, out) == (2, "")
    assert message in err
    assert err.count("\n") == 1
    assert existing.read_text() == "{}"


def test_fix_with_nothing_to_try_is_exit_2(write_spec: Callable[..., Path]) -> None:
    path = write_spec(chain({"type": "Conv2D", "filters": 4, "kernel_size": 3}, shape=(10,)))
    code, _, err = invoke("fix", path)
    assert code == 2
    assert "Conv2D expects an input of rank 3" in err
    assert err.rstrip().endswith("changes archplan tries makes it valid")


# solve


def test_solve_lists_every_setting_with_its_arithmetic() -> None:
    code, out, _ = invoke(
        "solve", "--input-length", "32", "--output-length", "16", "--kernel", "3", columns=160
    )
    assert code == 0
    assert "Conv2D: 32 → 16" in out
    assert "⌈32 / 2⌉ = 16" in out
    assert "       3        2   same             1   ⌈32 / 2⌉ = 16" in out


def test_solve_json() -> None:
    code, out, _ = invoke(
        "solve", "--input-length", "8", "--output-length", "16", "--layer", "transpose", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["layer"] == "Conv2DTranspose"
    assert {"kernel_size": 3, "strides": 2, "padding": "same", "dilation_rate": 1,
            "arithmetic": "8·2 = 16", "keras": 'Conv2DTranspose(filters, 3, strides=2, padding="same")'} in data["solutions"]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input-length", "32", "--output-length", "64"], "error: no Conv2D with kernel ≤ 7, stride ≤ 4, dilation ≤ 3 turns 32 into 64; a convolution or pooling never enlarges its input; try --layer transpose"),
        (["--input-length", "8", "--output-length", "4", "--layer", "transpose"], "a transposed convolution never shrinks its input; try --layer conv or pool"),
        (["--input-length", "32", "--output-length", "30", "--kernel", "5", "--padding", "same"], "turns 32 into 30; try: archplan solve --input-length 32 --output-length 30"),
        (["--input-length", "32", "--output-length", "16", "--stride", "2", "--dilation", "2"], "Keras forbids a stride and a dilation both above 1 in one layer; try: archplan solve --input-length 32 --output-length 16 --stride 2"),
        (["--input-length", "32", "--output-length", "16", "--layer", "pool", "--dilation", "2"], "error: --dilation: pooling has no dilation"),
        (["--input-length", "0", "--output-length", "16"], "error: Invalid value for '--input-length': Input should be greater than or equal to 1 (see: archplan solve --help)"),
    ],
)  # fmt: skip
def test_solve_without_a_solution_says_what_to_try(args: list[str], message: str) -> None:
    code, out, err = invoke("solve", *args)
    assert (code, out) == (2, "")
    assert message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", ["plan", "fix", "solve"])
def test_help(command: str) -> None:
    code, out, _ = invoke(command, "--help")
    assert code == 0
    assert "Usage:" in out


# the plan file's schema and the example


def test_the_shipped_plan_schema_is_current() -> None:
    code, out, _ = invoke("schema", "--plan")
    assert code == 0
    assert json.loads(out) == json.loads((SPECS / "plan.schema.json").read_text())
    assert json.loads(out)["title"] == "PlanFile"


def test_the_example_plan_file_plans_within_its_limits(tmp_path: Path) -> None:
    example = SPECS.parent / "examples" / "cifar-small.plan.json"
    code, _, err = invoke("plan", example, "--samples", "300", "--out", tmp_path / "p")
    assert code == 0, err
    for path in sorted((tmp_path / "p").glob("0*.json")):
        network = load_spec(path)
        trace = trace_network(network)
        assert network.layers[0].keras_class == "RandomFlip"
        assert trace.total_params <= 1_000_000
        assert (trace.total_macs or 0) <= 100_000_000
        assert trace.last_spatial_shape is not None
        assert 2 <= min(trace.last_spatial_shape[:2]) <= max(trace.last_spatial_shape[:2]) <= 8
        assert network.training is not None
        assert network.training.label_smoothing == 0.1


def test_batch_size_and_dtype_set_the_memory_and_the_written_training(plan_file: Path) -> None:
    def first(*extra: str) -> dict[str, Any]:
        code, out, _ = invoke("plan", plan_file, "--json", "--objective", "params", *extra)
        assert code == 0
        data: dict[str, Any] = json.loads(out)
        return data

    small, large = first("--batch-size", "16"), first("--batch-size", "128", "--dtype", "float16")
    assert (small["plan"]["training"]["batch_size"], large["plan"]["training"]["batch_size"]) == (
        16,
        128,
    )
    assert large["plan"]["dtype"] == "float16"
    assert small["chosen"][0]["name"] == large["chosen"][0]["name"]
    assert large["chosen"][0]["training_memory_bytes"] > small["chosen"][0]["training_memory_bytes"]


# One vocabulary: --input-shape, --out-dir, --input-length/--output-length; the old names still work.


@pytest.mark.parametrize(
    ("new", "old"),
    [
        (["solve", "--input-length", "32", "--output-length", "28"], ["solve", "--input", "32", "--output", "28"]),
        (["plan", "--input-shape", "32x32x3", "--classes", "10", "--top", "1", "--max-params", "100K", "--family", "plain"], ["plan", "--input", "32x32x3", "--classes", "10", "--top", "1", "--max-params", "100K", "--family", "plain"]),
        (["plan", "--input-shape", "32,32,3", "--classes", "10", "--top", "1", "--max-params", "100K", "--family", "plain"], ["plan", "--input", "32×32×3", "--classes", "10", "--top", "1", "--max-params", "100K", "--family", "plain"]),
    ],
)  # fmt: skip
def test_an_old_flag_name_gives_what_the_new_one_gives(new: list[str], old: list[str]) -> None:
    timing = re.compile(r"in [\d.]+ s \([\d,]+ a second\)")
    (code, out, _), (old_code, old_out, _) = invoke(*new), invoke(*old)
    assert (code, timing.sub("", words(out))) == (old_code, timing.sub("", words(old_out)))
    assert code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["solve", "--input", "32", "--input-length", "32", "--output-length", "28"], "error: --input is the old name of --input-length; give --input-length only"),
        (["solve", "--input-length", "32"], "error: solve needs --output-length, e.g. --input-length 32 --output-length 28"),
        (["plan", "--input", "32x32x3", "--input-shape", "32x32x3", "--classes", "10"], "error: --input is the old name of --input-shape; give --input-shape only"),
        (["plan", "--input-shape", "32x32x3", "--classes", "10", "--out", "a", "--out-dir", "b"], "error: --out is the old name of --out-dir; give --out-dir only"),
    ],
)  # fmt: skip
def test_a_flag_given_under_both_names_is_refused(args: list[str], message: str) -> None:
    code, out, err = invoke(*args)
    assert (code, out, err) == (2, "", message + "\n")


def test_the_old_flag_names_are_kept_out_of_help() -> None:
    for command, old in (
        ("plan", "--input "),
        ("plan", "--out "),
        ("solve", "--output "),
        ("realize", "--out "),
    ):
        _, out, _ = invoke(command, "--help", columns=200)
        assert old not in out
    assert "--input-shape" in invoke("plan", "--help", columns=200)[1]


def test_solve_with_bounds_of_a_hundred_thousand_counts_all_and_lists_the_simplest() -> None:
    code, out, err = invoke(
        "solve", "--input-length", "1000", "--output-length", "1", "--max-kernel", "100000",
        "--max-stride", "100000", "--max-dilation", "100000", columns=160,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "9,999,600,507 settings; the first 100 shown, simplest first" in words(out)
    assert "Fix --stride, --kernel, --padding or --dilation to see others." in words(out)
    assert "1000 − (999·(2 − 1) + 1) + 1 = 1" in out
    code, out, _ = invoke(
        "solve", "--input-length", "1000", "--output-length", "1", "--max-kernel", str(10**24),
        "--max-stride", str(10**12), "--max-dilation", str(10**12), "--json",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 0
    assert len(data["solutions"]) == 100
    assert data["count"] > 10**24


@pytest.mark.parametrize(
    ("value", "shown"),
    [("1e38", "--max-macs 1e38"), ("1.5e20", "--max-macs 1.5e20"), ("2.5G", "--max-macs 2.5G"),
     ("1234567", "--max-macs 1,234,567"), ("123456789012345678901", "--max-macs 1.23456789012345678901e20")],
)  # fmt: skip
def test_limits_are_shown_exactly_as_given(value: str, shown: str) -> None:
    code, out, _ = invoke(
        "plan", "--input-shape", "16x16x3", "--classes", "10", "--family", "plain", "--samples", "5",
        "--max-macs", value, columns=160,
    )  # fmt: skip
    assert code == 0
    assert f"Limits: {shown} (training memory" in words(out)


@pytest.mark.parametrize(("value", "write"), [("0.5", "1 or more"), ("1.4", "1 or 2")])
def test_a_fractional_parameter_count_is_refused(value: str, write: str) -> None:
    code, _, err = invoke(
        "plan", "--input-shape", "16x16x3", "--classes", "10", "--max-params", value
    )
    assert code == 2
    assert err == (
        f"error: --max-params: '{value}' is not a whole number; parameters and MACs are counted "
        f"in whole numbers: write {write}\n"
    )


def test_a_plan_table_with_huge_widths_keeps_its_columns(write_spec: Callable[..., Path]) -> None:
    wide = {"input": {"shape": [32, 32, 3]}, "classes": 10,
            "families": {"plain": {"stages": [2], "width": [2**30], "width_factor": [1.5]}}}  # fmt: skip
    code, out, _ = invoke("plan", write_spec(wide, name="wide.json"), "--top", "2")
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[2].split() == [
        "#", "Network", "Stages", "Params", "MACs", "Train", "mem", "RF", "Final", "Front",
    ]  # fmt: skip
    assert "1.1G-1.6G" in out
    assert "3.0e20   1.2e23    4.2e6 PB" in out
