"""The other services the simulator serves, through kfp-server-api: get experiment and healthz."""

import pytest
from kfp_server_api import ApiException, HealthzServiceApi, V2beta1Experiment, V2beta1GetHealthzResponse

from support import kfp_error


def test_get_experiment_returns_the_experiment_the_simulator_registered(simulator, experiments):
    experiment = experiments.experiment_service_get_experiment(simulator.experiment_id("'demo'"))

    assert isinstance(experiment, V2beta1Experiment)
    assert experiment.experiment_id == simulator.experiment_id("'demo'")
    assert experiment.display_name == "demo"
    assert experiment.storage_state == "AVAILABLE"
    assert experiment.namespace is None, "single-user KFP has no namespaces"


def test_get_of_an_unknown_experiment_is_not_found(experiments, api_client):
    with pytest.raises(ApiException) as raised:
        experiments.experiment_service_get_experiment("no-such-experiment")

    error = kfp_error(api_client, raised.value)
    assert (error.http_status, error.code) == (404, 5)
    assert error.short_message == "Experiment no-such-experiment not found"


def test_healthz_says_single_user(api_client):
    health = HealthzServiceApi(api_client).healthz_service_get_healthz()

    assert isinstance(health, V2beta1GetHealthzResponse)
    assert health.multi_user is False
    assert health.pipeline_store == "database"
