"""Use archplan as a library: load a spec, trace it, read shapes and parameters, try a variant.

Run it from the repository root:  python examples/trace_as_library.py
"""

from __future__ import annotations

from pathlib import Path

from archplan import SpecError, load_spec, parse_spec, trace_network

SPECS = Path(__file__).resolve().parents[1] / "specs"


def main() -> None:
    network = load_spec(SPECS / "tutorial-dimensioning.json")
    trace = trace_network(network)

    print(f"{trace.name}: {trace.input_shape} -> {trace.output_shape}")
    for layer in trace.layers:
        why = "; ".join(layer.arithmetic)
        print(f"  {layer.name:<16} {layer.output_shape!s:<14} {layer.params:>6,}  {why}")
    print(f"total parameters: {trace.total_params:,}")

    # The first convolution, rebuilt with 'same' padding: how much larger does the head get?
    data = network.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["layers"][0]["padding"] = "same"
    wider = trace_network(parse_spec(data, source="variant"))
    print(
        f"with padding='same' first: {wider.layers[-3].input_shape} into Flatten, "
        f"{wider.total_params:,} parameters"
    )

    # A kernel too large for what is left: archplan says where and why, before any training.
    data["layers"][4]["kernel_size"] = 9
    try:
        trace_network(parse_spec(data, source="variant"))
    except SpecError as problem:
        print(f"refused: {problem}")


if __name__ == "__main__":
    main()
