"""Fixtures for running KFP's generated REST client (kfp-server-api) against the operator's KFP simulator.

The simulator runs as its own process, the way `java -jar dev-tools/target/kfp-run-operator-dev.jar simulator` starts it:
from KFP_SIMULATOR_CLASSPATH when that is set (the JUnit test that runs this suite sets it to the test
classpath), else from the built jar.
"""

import os
import pathlib
import select
import subprocess
import tempfile
import time

import kfp_server_api
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[4]
COMPILED_PIPELINES = pathlib.Path(os.environ.get("KFP_COMPILED_PIPELINES", ROOT / "operator" / "target" / "compiled-pipelines"))
# Short phases on the system clock, long enough for a test to see each one: a run is PENDING for 1 s, then
# RUNNING for 1 s, and CANCELING for 1 s after a terminate; runs whose name contains "fail" end FAILED.
TIMING = ["--pending", "1s", "--run-duration", "1s", "--cancel-duration", "1s"]
STARTUP_TIMEOUT_S = 60


def simulator_command():
    java = os.environ.get("KFP_SIMULATOR_JAVA", "java")
    classpath = os.environ.get("KFP_SIMULATOR_CLASSPATH")
    if classpath:
        return [java, "-cp", classpath, "dev.kfp.operator.devtools.DevMain", "simulator"]
    jar = ROOT / "dev-tools" / "target" / "kfp-run-operator-dev.jar"
    if not jar.is_file():
        raise RuntimeError(f"no simulator to start: build {jar} (mvn -B -q -DskipTests package) or set "
                           "KFP_SIMULATOR_CLASSPATH")
    return [java, "-jar", str(jar), "simulator"]


class Simulator:
    """One simulator process and what it printed at start: its URL, demo pipeline and experiment ids."""

    def __init__(self, extra_args):
        self.log = tempfile.TemporaryFile()
        command = simulator_command() + ["--port", "0", "--fail-when-name-contains", "fail"] + TIMING + extra_args
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.printed = self._read_banner()
        self.base_url = self._after("KFP simulator listening on ").split()[0]
        self.pipeline_id = self._after("demo pipeline id:")
        self.pipeline_version_id = self._after("demo pipeline version id:")

    def _read_banner(self):
        lines = []
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not (lines and lines[-1].lstrip().startswith("timing:")):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"the simulator did not start; it printed {lines} and logged:\n{self.logged()}")
            ready, _, _ = select.select([self.process.stdout], [], [], remaining)
            if ready:
                line = self.process.stdout.readline()
                if line:
                    lines.append(line.rstrip("\n"))
        return lines

    def _after(self, prefix):
        for line in self.printed:
            if line.strip().startswith(prefix):
                return line.strip()[len(prefix):].strip()
        raise RuntimeError(f"the simulator printed no line starting with {prefix!r}: {self.printed}")

    def experiment_id(self, label):
        """The id printed for "experiment 'Default'", "experiment 'demo'" or "experiment in namespace team-a"."""
        return self._after(f"experiment {label}:")

    def logged(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-4000:]

    def client(self, token=None):
        configuration = kfp_server_api.Configuration(host=self.base_url)
        if token is not None:
            configuration.api_key["authorization"] = token
            configuration.api_key_prefix["authorization"] = "Bearer"
        return kfp_server_api.ApiClient(configuration)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self.log.close()


@pytest.fixture(scope="session")
def simulator():
    """A single-user simulator (KFP without authentication), shared by the whole session."""
    started = Simulator([])
    yield started
    started.stop()


@pytest.fixture(scope="session")
def multi_user_simulator():
    """A simulator in multi-user mode: token-a may act in team-a, token-b in team-b."""
    started = Simulator(["--auth-token", "token-a=team-a", "--auth-token", "token-b=team-b"])
    yield started
    started.stop()


@pytest.fixture(scope="session")
def api_client(simulator):
    with simulator.client() as client:
        yield client


@pytest.fixture(scope="session")
def runs(api_client):
    return kfp_server_api.RunServiceApi(api_client)


@pytest.fixture(scope="session")
def experiments(api_client):
    return kfp_server_api.ExperimentServiceApi(api_client)


@pytest.fixture(scope="session")
def compiled_pipelines():
    """Reads one of the pipelines the test build compiled from src/test/python/pipelines/ (as a dict)."""
    def read(name):
        path = COMPILED_PIPELINES / f"{name}.yaml"
        if not path.is_file():
            raise RuntimeError(f"{path} is missing: compile the pipelines first (src/test/python/python.sh "
                               "src/test/python/compile_pipelines.py operator/target/compiled-pipelines)")
        return yaml.safe_load(path.read_text())

    return read
