"""One optional string input and a branch on a task's output (dsl.If / dsl.Else)."""

from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def flip_coin(seed_text: str) -> str:
    return "heads" if len(seed_text) % 2 == 0 else "tails"


@dsl.component(base_image="python:3.11-slim")
def announce(text: str):
    print(text)


@dsl.pipeline(name="pipeline-with-condition", description="Announces heads or tails, whichever the coin shows.")
def pipeline_with_condition(text: str = "condition test"):
    coin = flip_coin(seed_text=text)
    with dsl.If(coin.output == "heads"):
        announce(text="heads")
    with dsl.Else():
        announce(text="tails")
