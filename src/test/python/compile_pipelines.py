"""Compiles every pipeline in pipelines/ with the KFP SDK's compiler, one YAML file per module.

    python compile_pipelines.py OUT_DIR

Each module in pipelines/ defines exactly one @dsl.pipeline function; its compiled IR is written to
OUT_DIR/<module>.yaml, which is what the Java tests read and the operator submits.
"""

import importlib.util
import pathlib
import sys

from kfp import compiler
from kfp.dsl import graph_component

PIPELINES = pathlib.Path(__file__).resolve().parent / "pipelines"


def pipeline_of(module_path: pathlib.Path):
    spec = importlib.util.spec_from_file_location(f"pipelines.{module_path.stem}", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = [value for value in vars(module).values() if isinstance(value, graph_component.GraphComponent)]
    if len(found) != 1:
        raise SystemExit(f"{module_path} must define exactly one @dsl.pipeline, found {len(found)}")
    return found[0]


def main(argv):
    if len(argv) != 2:
        raise SystemExit("usage: compile_pipelines.py OUT_DIR")
    out = pathlib.Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in PIPELINES.glob("*.py") if not p.name.startswith("_"))
    if not sources:
        raise SystemExit(f"no pipeline sources in {PIPELINES}")
    for stale in out.glob("*.yaml"):
        stale.unlink()  # a pipeline whose source is gone must not linger on the test classpath
    for source in sources:
        target = out / f"{source.stem}.yaml"
        compiler.Compiler().compile(pipeline_func=pipeline_of(source), package_path=str(target))
    print(f"compiled {len(sources)} pipelines into {out}: {', '.join(s.stem for s in sources)}")


if __name__ == "__main__":
    main(sys.argv)
