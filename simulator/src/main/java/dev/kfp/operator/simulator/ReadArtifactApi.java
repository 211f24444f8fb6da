package dev.kfp.operator.simulator;

/** Which of KFP's two read_artifact implementations the simulator imitates (docs/kfp-facts.md, "read_artifact"). */
public enum ReadArtifactApi {
  /**
   * KFP ≤ 2.14: a gRPC method behind grpc-gateway; errors are google.rpc.Status bodies, a run without a stored
   * workflow is 400.
   */
  GRPC_GATEWAY,
  /**
   * KFP ≥ 2.15: a plain HTTP handler; errors are {@code {"error_message", "error_details"}}, anything not found
   * is 404 {@code "artifact not found: <nil>"}, a run without a stored workflow is 500, auth failures are 403.
   */
  HTTP_HANDLER
}
