package dev.kfp.operator.benchmark;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the requests one Kubernetes client sends, by verb and resource ({@code create runs}, {@code patch
 * runs/status}, {@code watch runs}), as a Fabric8 interceptor on that client: what the operator asks of the API
 * server, told apart from what the benchmark itself asks. Thread-safe.
 */
final class KubernetesRequests implements Interceptor {

  /** {@code /api/v1/...} or {@code /apis/<group>/<version>/...}, then an optional namespace, then the resource. */
  private static final Pattern PATH = Pattern.compile(
      "^/(?:api/[^/]+|apis/[^/]+/[^/]+)(?:/namespaces/[^/]+)?/([^/]+)(?:/([^/]+))?(?:/([^/]+))?/?$");

  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    counts.computeIfAbsent(key(request.method(), request.uri().getRawPath(), request.uri().getRawQuery()),
        k -> new AtomicLong()).incrementAndGet();
  }

  /**
   * {@code verb resource[/subresource]} as the API server's audit log names a request: get, list, watch, create,
   * update, patch, delete.
   */
  static String key(String method, String path, String query) {
    Matcher m = PATH.matcher(path);
    if (!m.matches()) {
      return method + " " + path;
    }
    boolean named = m.group(2) != null;
    String resource = m.group(1) + (m.group(3) != null ? "/" + m.group(3) : "");
    String verb = switch (method) {
      case "GET" -> named ? "get" : query != null && query.matches("(.*&)?watch=(true|1)(&.*)?") ? "watch" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> method.toLowerCase(java.util.Locale.ROOT);
    };
    return verb + " " + resource;
  }

  /** The counts so far, by verb and resource, in name order. */
  Map<String, Long> snapshot() {
    Map<String, Long> copy = new TreeMap<>();
    counts.forEach((key, count) -> copy.put(key, count.get()));
    return copy;
  }

  /** All requests so far. */
  long total() {
    return counts.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** What was counted between two snapshots: {@code after - before}, without the keys that did not move. */
  static Map<String, Long> since(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> delta = new TreeMap<>();
    after.forEach((key, count) -> {
      long moved = count - before.getOrDefault(key, 0L);
      if (moved != 0) {
        delta.put(key, moved);
      }
    });
    return delta;
  }
}
