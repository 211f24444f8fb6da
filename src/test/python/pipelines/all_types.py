"""One required root input of each parameter type KFP has for a run: s, i, d, b, l, o."""

from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def describe(s: str, i: int, d: float, b: bool, l: list, o: dict) -> str:
    return f"{s} {i} {d} {b} {l} {o}"


@dsl.pipeline(name="all-types", description="Takes a str, an int, a float, a bool, a list and a dict.")
def all_types(s: str, i: int, d: float, b: bool, l: list, o: dict):
    describe(s=s, i=i, d=d, b=b, l=l, o=o)
