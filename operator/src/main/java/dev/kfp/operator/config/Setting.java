package dev.kfp.operator.config;

/**
 * Every operator setting, with its one name: the environment variable {@code KFP_ENDPOINT} is the flag
 * {@code --kfp-endpoint} (and the Helm value of the same meaning).
 */
public enum Setting {
  KFP_ENDPOINT(null, "KFP API base URL, e.g. http://ml-pipeline.kubeflow:8888 (a path prefix is allowed)"),
  KFP_AUTH("none", "how the operator authenticates to KFP: none | token | namespace-identity"),
  KFP_TOKEN_FILE("/var/run/secrets/kubeflow/pipelines/token",
      "bearer token file (projected service-account token, audience pipelines.kubeflow.org), re-read on change"),
  KFP_IDENTITY_SERVICE_ACCOUNT("default-editor", "with KFP_AUTH=namespace-identity: the service account of each"
      + " Run's namespace the operator acts as (Kubeflow profiles have default-editor)"),
  KFP_CA_BUNDLE(null, "PEM file of CA certificates to trust for an https KFP endpoint"),
  KFP_UI_URL(null, "KFP UI base URL; when set, status.runUrl links each run"),
  KFP_TIMEOUT("30s", "connect and read timeout of each KFP call"),
  WATCH_NAMESPACES("", "comma-separated namespaces to watch; empty watches all"),
  SHARD_SELECTOR("", "label selector of this operator's shard (e.g. shard=a, !shard, shard in (b,c)): only Runs,"
      + " RunQueues and RunSchedules it matches are watched; empty watches all"),
  POLL_INTERVAL("10s", "how often an active run's state is read from KFP"),
  SYNC_MODE("bulk", "how active runs are read: bulk (one filtered list per namespace and up to 150 runs) | per-run "
      + "(one GET per run)"),
  RESYNC_INTERVAL("5m", "how often a finished run is re-read, to notice changes made in the KFP UI"),
  TTL_SECONDS_AFTER_FINISHED("", "seconds after its KFP run finished that a Run without spec.ttlSecondsAfterFinished"
      + " is deleted (its deletion policy applies; a Run GitOps tracks is kept); empty: such Runs are kept"),
  MONITORING_PORT("8080", "port of the /healthz, /readyz and /metrics endpoints; 0 picks a free port"),
  METRICS_ENABLED("true", "serve Prometheus metrics on /metrics: true | false"),
  LEADER_ELECTION("true", "hold a coordination.k8s.io Lease so only one replica reconciles: true | false"),
  LEADER_ELECTION_NAMESPACE(null, "namespace of the leader election Lease; default: the operator's own namespace"),
  LEADER_ELECTION_LEASE("", "name of the leader election Lease; default: kfp-run-operator, and with a shard selector"
      + " or watched namespaces -<8 hex digits of their hash>, so that every shard elects its own leader");

  private final String defaultValue;
  private final String description;

  Setting(String defaultValue, String description) {
    this.defaultValue = defaultValue;
    this.description = description;
  }

  public String envName() {
    return name();
  }

  public String flag() {
    return "--" + name().toLowerCase().replace('_', '-');
  }

  /** The default, or null when the setting is required or optional without default. */
  public String defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }
}
