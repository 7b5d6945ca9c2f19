"""No input makes archplan fail with an internal error (exit 1): plan files, budgets and numbers
on the command line are drawn across their whole range (huge, tiny, fractional, non-finite), and
every command must either answer (exit 0) or refuse in one line (exit 2). The cases a user met
are pinned below the property tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from archplan.cli import app
from tests.conftest import chain

runner = CliRunner()
ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
EXAMPLES = settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-300, 0.5, 1.4, 1e38, 1e300, float("inf"), float("nan")]),
)
INTEGERS = st.one_of(
    st.integers(-3, 40), st.integers(-(10**40), 10**40), st.sampled_from([0, 1, 2**31, 10**12])
)
NUMBERS = st.one_of(INTEGERS, FLOATS)
"""Any JSON number a user may type: huge, tiny, fractional, non-finite."""
TEXT_NUMBERS = st.one_of(
    NUMBERS.map(str),
    st.sampled_from(["1e38", "0.5", "1.4", "1K", "2.5M", "1e300G", "inf", "nan", "-1", "", "1MB"]),
)
"""What a flag may be given."""


def exit_code(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(arg) for arg in args], env=ENV)
    return result.exit_code, result.output


def assert_no_internal_error(code: int, output: str) -> None:
    assert code in (0, 2), output
    assert "internal error" not in output, output


def choices(values: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(values, min_size=0, max_size=2)


FAMILY = st.fixed_dictionaries(
    {},
    optional={
        "stages": choices(NUMBERS),
        "depth": choices(NUMBERS),
        "width": choices(NUMBERS),
        "width_factor": choices(NUMBERS),
        "kernel": choices(NUMBERS),
    },
)
PLANS = st.fixed_dictionaries(
    {
        "input": st.fixed_dictionaries(
            {"shape": st.lists(st.integers(1, 40), min_size=3, max_size=3)}
        ),
        "classes": st.one_of(st.integers(2, 12), NUMBERS),
        "families": st.fixed_dictionaries({}, optional={"plain": FAMILY, "resnet": FAMILY}),
    },
    optional={
        "constraints": st.fixed_dictionaries(
            {},
            optional={
                "max_params": st.one_of(NUMBERS, TEXT_NUMBERS),
                "max_macs": st.one_of(NUMBERS, TEXT_NUMBERS),
                "min_rf": NUMBERS,
            },
        ),
        "top": NUMBERS,
        "samples": st.one_of(st.integers(1, 40), NUMBERS),
    },
)
"""Plan files, each family's ranges kept to a few choices so that a search stays short."""


@EXAMPLES
@given(plan=PLANS)
def test_no_plan_file_makes_plan_fail_internally(plan: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")  # NaN and Infinity as Python writes them
    assert_no_internal_error(*exit_code("plan", path, "--samples", "20"))


@EXAMPLES
@given(
    flag=st.sampled_from(
        ["--max-params", "--max-macs", "--max-memory", "--min-rf", "--final-size"]
    ),
    value=TEXT_NUMBERS,
)
def test_no_budget_makes_plan_fail_internally(flag: str, value: str) -> None:
    code, output = exit_code(
        "plan", "--input", "16x16x3", "--classes", "10", "--family", "plain",
        "--samples", "10", flag, value,
    )  # fmt: skip
    assert_no_internal_error(code, output)


@EXAMPLES
@given(
    size=TEXT_NUMBERS,
    target=TEXT_NUMBERS,
    bound=st.sampled_from(["--max-kernel", "--max-stride", "--max-dilation", "--kernel"]),
    value=st.one_of(st.integers(-2, 60).map(str), TEXT_NUMBERS),
    layer=st.sampled_from(["conv", "pool", "transpose"]),
)
def test_no_numbers_make_solve_fail_internally(
    size: str, target: str, bound: str, value: str, layer: str
) -> None:
    code, output = exit_code(
        "solve", "--input", size, "--output", target, "--layer", layer, bound, value
    )
    assert_no_internal_error(code, output)


SIZES = st.one_of(st.integers(1, 4), st.integers(1000, 10**6))


@EXAMPLES
@given(sizes=st.lists(SIZES, min_size=1, max_size=40), command=st.sampled_from(["trace", "params"]))
def test_no_upsampling_makes_trace_fail_internally(
    sizes: list[int], command: str, tmp_path: Path
) -> None:
    spec = chain(*({"type": "UpSampling2D", "size": size} for size in sizes), shape=(1, 1, 1))
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    assert_no_internal_error(*exit_code(command, path))


def test_110_upsamplings_by_1000_trace_with_their_sizes(tmp_path: Path) -> None:
    spec = chain(*([{"type": "UpSampling2D", "size": 1000}] * 110), shape=(1, 1, 1))
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    code, output = exit_code("trace", path)
    assert code == 0, output
    assert "Activations:          3.6e645 PB per sample" in output


@pytest.mark.parametrize("stages", [2, 3])
def test_a_width_factor_of_1e300_is_refused_naming_the_field(stages: int, tmp_path: Path) -> None:
    plan = {"input": {"shape": [32, 32, 3]}, "classes": 10,
            "families": {"plain": {"stages": [stages], "width": [16], "width_factor": [1e300]}}}  # fmt: skip
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    code, output = exit_code("plan", path)
    assert code == 2
    assert (
        f"families.plain: width 16 × width_factor 1e+300 per stage over {stages} stages gives "
        "layers wider than 2,147,483,647 channels" in " ".join(output.split())
    )


def test_a_random_crop_keras_cannot_evaluate_is_refused_before_the_run_folder(
    tmp_path: Path,
) -> None:
    spec = chain(
        {"type": "RandomCrop", "height": 28, "width": 28},
        {"type": "Conv2D", "filters": 8, "kernel_size": 3},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    )
    path = tmp_path / "crop.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    code, output = exit_code("realize", path, "--train", "--out", tmp_path / "run")
    assert code == 2
    assert not (tmp_path / "run").exists()
    assert (
        "layers[0] ('random_crop', RandomCrop) crops (32, 32, 3) to (28, 28, 3) while training, "
        "but Keras passes its input through uncropped at inference (keras-team/keras#21868), "
        "where layers[3] ('dense', Dense) would receive (7200,) and not the (5408,) its weights "
        "are built for" in " ".join(output.split())
    )


HALF_A_MILLION = {
    "width": [8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96],
    "width_factor": [1, 1.25, 1.5, 1.75, 2, 2.5, 3],
    "stages": [1, 2, 3, 4, 5],
    "depth": [1, 2, 3, 4, 5, 6],
    "kernel": [1, 3, 5, 7],
}
"""483,840 plain points of up to 46 layers: 73 s walked whole on a 2-core machine."""


@pytest.mark.parametrize(
    ("ranges", "samples", "shown"),
    [
        ({"stages": [1000], "width_factor": [1]}, [], "870,049,728 layer inferences (plain: 1,728 networks of up to 503,501 layers), about"),
        ({"depth": [100000]}, [], "(plain: 3,000 networks of up to 400,011 layers)"),
        (HALF_A_MILLION, ["--samples", str(10**12)], "(plain: 483,840 networks of up to 46 layers)"),
    ],
)  # fmt: skip
def test_a_search_of_hours_is_refused_up_front_saying_its_size(
    ranges: dict[str, Any], samples: list[str], shown: str, tmp_path: Path
) -> None:
    plan = {"input": {"shape": [32, 32, 3]}, "classes": 10, "families": {"plain": ranges}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    code, output = exit_code("plan", path, *samples)
    text = " ".join(output.split())
    assert code == 2
    assert shown in text
    assert "archplan takes at most 10,000,000: narrow it with fewer stages" in text
    assert "or fewer --samples" in text


def test_a_thousand_stages_of_doubling_widths_are_refused_by_their_width(tmp_path: Path) -> None:
    plan = {
        "input": {"shape": [32, 32, 3]},
        "classes": 10,
        "families": {"plain": {"stages": [1000]}},
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    code, output = exit_code("plan", path)
    assert code == 2
    assert "over 1000 stages gives layers wider than 2,147,483,647 channels" in " ".join(
        output.split()
    )


LAYERS = st.one_of(
    st.builds(lambda v: {"type": "Conv2D", "filters": v, "kernel_size": 3}, NUMBERS),
    st.builds(lambda v: {"type": "Conv2D", "filters": 4, "kernel_size": v}, NUMBERS),
    st.builds(lambda v: {"type": "Dense", "units": v}, NUMBERS),
    st.builds(lambda v: {"type": "ZeroPadding2D", "padding": v}, NUMBERS),
    st.builds(lambda v: {"type": "Dropout", "rate": v}, NUMBERS),
    st.builds(lambda v: {"type": "Rescaling", "scale": v}, NUMBERS),
)


@EXAMPLES
@given(
    layers=st.lists(LAYERS, min_size=1, max_size=3),
    command=st.sampled_from(["trace", "params", "fix", "export"]),
    batch=st.one_of(st.none(), TEXT_NUMBERS),
)
def test_no_layer_numbers_make_a_spec_command_fail_internally(
    layers: list[dict[str, Any]], command: str, batch: str | None, tmp_path: Path
) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(chain(*layers, shape=(8, 8, 3))), encoding="utf-8")
    extra = ["--batch-size", batch] if batch is not None and command == "trace" else []
    out = ["-o", str(tmp_path / "out.txt"), "--force"] if command in ("fix", "export") else []
    assert_no_internal_error(*exit_code(command, path, *extra, *out))
