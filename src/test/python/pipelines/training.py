"""A training pipeline's typed inputs, required and defaulted, passed on to two steps that depend on each other."""

from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def prepare(dataset: str, features: list, sample_fraction: float) -> int:
    return int(len(features) * sample_fraction * 100) + len(dataset)


@dsl.component(base_image="python:3.11-slim")
def train(rows: int, epochs: int, learning_rate: float, early_stopping: bool, hyperparameters: dict,
          seed: int) -> float:
    return rows * learning_rate * epochs + seed if not early_stopping else float(len(hyperparameters))


@dsl.pipeline(name="training", description="Prepares a sample, then trains on it.")
def training(
    dataset: str,
    epochs: int,
    learning_rate: float,
    early_stopping: bool,
    features: list,
    hyperparameters: dict,
    sample_fraction: float = 0.25,
    seed: int = 7,
):
    rows = prepare(dataset=dataset, features=features, sample_fraction=sample_fraction)
    train(
        rows=rows.output,
        epochs=epochs,
        learning_rate=learning_rate,
        early_stopping=early_stopping,
        hyperparameters=hyperparameters,
        seed=seed,
    )
