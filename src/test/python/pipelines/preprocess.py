"""A string, a dict and a list, all required: the pipeline the ConfigMap tests keep as compiled YAML."""

from kfp import dsl


@dsl.component(base_image="python:3.11-slim")
def summarise(message: str, settings: dict, items: list) -> str:
    return f"{message}: {len(settings)} settings, {len(items)} items"


@dsl.pipeline(name="preprocess", description="Summarises its three required inputs.")
def preprocess(message: str, input_dict_parameter: dict, input_list_parameter: list):
    summarise(message=message, settings=input_dict_parameter, items=input_list_parameter)
