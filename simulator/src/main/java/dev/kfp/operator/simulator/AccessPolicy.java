package dev.kfp.operator.simulator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Multi-user mode's authentication and authorization, reduced to a table: each bearer token stands for one
 * identity allowed to act in a set of namespaces ({@code *} = all). An empty table means standalone KFP:
 * no authentication at all.
 */
final class AccessPolicy {

  private final Map<String, Set<String>> namespacesByToken;
  private final Map<String, String> identityByToken = new LinkedHashMap<>();

  AccessPolicy(Map<String, Set<String>> namespacesByToken) {
    this.namespacesByToken = Map.copyOf(namespacesByToken);
    int n = 0;
    for (String token : namespacesByToken.keySet()) {
      identityByToken.put(token, "system:serviceaccount:simulated:caller-" + (++n));
    }
  }

  boolean multiUser() {
    return !namespacesByToken.isEmpty();
  }

  /**
   * Checks that the caller may use {@code verb} in {@code namespace}.
   *
   * @param authorization the Authorization header, or null
   * @throws ApiError 401 without a known bearer token, 403 without rights in the namespace
   */
  void check(String authorization, String namespace, String verb) {
    if (!multiUser()) {
      return;
    }
    String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        ? authorization.substring(7).trim() : null;
    Set<String> namespaces = token == null ? null : namespacesByToken.get(token);
    if (namespaces == null) {
      String reason = token == null
          ? "Request header error: there is no user identity header.; Authentication failure: no bearer token"
          : "Request header error: there is no user identity header.; Authentication failure: token review "
              + "did not authenticate the token";
      String message = "Failed to check authorization. User identity is empty in the request header: " + reason;
      throw new ApiError(GrpcCode.UNAUTHENTICATED, "Failed to authorize with API: " + message, message,
          Map.of("WWW-Authenticate", message));
    }
    if (!namespaces.contains("*") && !namespaces.contains(namespace)) {
      String user = identityByToken.get(token);
      String text = "User '" + user + "' is not authorized with reason:  (request: &ResourceAttributes{Namespace:"
          + namespace + ",Verb:" + verb + ",Group:pipelines.kubeflow.org,Version:v1beta1,Resource:runs,})";
      throw new ApiError(GrpcCode.PERMISSION_DENIED,
          "Failed to authorize with API: PermissionDenied: " + text, text);
    }
  }
}
