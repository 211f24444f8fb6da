"""Two string inputs, one of them with a default: a run must set param2 and may set param1."""

from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def join_words(first: str, second: str) -> str:
    return f"{first} {second}"


@dsl.pipeline(name="arguments-parameters", description="Joins two words; param2 has no default.")
def arguments_parameters(param2: str, param1: str = "hello"):
    join_words(first=param1, second=param2)
