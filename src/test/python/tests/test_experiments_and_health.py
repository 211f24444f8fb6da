"""The other services the simulator serves, through kfp-server-api: get experiment and healthz."""

import pytest
from kfp_server_api import (ApiException, HealthzServiceApi, V2beta1Experiment, V2beta1GetHealthzResponse,
                            V2beta1PipelineVersionReference, V2beta1Run)

from support import kfp_error


def test_get_experiment_returns_the_experiment_the_simulator_registered(simulator, experiments):
    experiment = experiments.experiment_service_get_experiment(simulator.experiment_id("'demo'"))

    assert isinstance(experiment, V2beta1Experiment)
    assert experiment.experiment_id == simulator.experiment_id("'demo'")
    assert experiment.display_name == "demo"
    assert experiment.storage_state == "AVAILABLE"
    assert experiment.namespace is None, "single-user KFP has no namespaces"
    assert experiment.created_at.tzinfo is not None


def test_an_experiment_is_stamped_with_its_latest_runs_creation(simulator, experiments, runs):
    experiment_id = simulator.experiment_id("'demo'")
    run = runs.run_service_create_run(V2beta1Run(
        display_name="stamps the experiment", experiment_id=experiment_id,
        pipeline_version_reference=V2beta1PipelineVersionReference(pipeline_id=simulator.pipeline_id)))

    experiment = experiments.experiment_service_get_experiment(experiment_id)

    assert experiment.last_run_created_at == run.created_at
    assert experiment.created_at <= run.created_at


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
