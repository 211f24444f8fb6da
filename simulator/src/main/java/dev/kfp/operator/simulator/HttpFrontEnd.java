package dev.kfp.operator.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the simulator: KFP's routes under {@code /apis/v2beta1}, grpc-gateway's error bodies and
 * status mapping, and the place where outages and injected faults strike.
 */
final class HttpFrontEnd {

  private static final Logger LOG = LoggerFactory.getLogger(HttpFrontEnd.class);
  private static final String RUNS = "/apis/v2beta1/runs";
  private static final String EXPERIMENTS = "/apis/v2beta1/experiments/";
  private static final String PIPELINES = "/apis/v2beta1/pipelines/";
  private static final String HEALTHZ = "/apis/v2beta1/healthz";

  /** A request mapped to an endpoint; {@code allowed} is false when the path exists but not for this method. */
  private record Route(Endpoint endpoint, boolean allowed, String runId, String nodeId, String artifact) {

    static Route of(Endpoint endpoint, boolean allowed) {
      return new Route(endpoint, allowed, null, null, null);
    }
  }

  static {
    // The JDK server writes headers and body separately; with Nagle on, each response then waits for the
    // client's delayed ACK (~40 ms per call). The setting is read once, when the JDK server first loads.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final RunStore store;
  private final Faults faults;
  private final CallCounters counters;
  private final InetSocketAddress requestedAddress;
  private final ExecutorService executor;
  private HttpServer server;
  private int port;
  private volatile ReadArtifactApi readArtifactApi = ReadArtifactApi.GRPC_GATEWAY;

  HttpFrontEnd(RunStore store, Faults faults, CallCounters counters, InetSocketAddress address,
      ExecutorService executor) {
    this.store = store;
    this.faults = faults;
    this.counters = counters;
    this.requestedAddress = address;
    this.executor = executor;
  }

  synchronized void start() {
    InetSocketAddress address = port == 0 ? requestedAddress
        : new InetSocketAddress(requestedAddress.getAddress(), port);
    try {
      server = HttpServer.create(address, 256);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + address, e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
    port = server.getAddress().getPort();
  }

  synchronized void stop() {
    if (server != null) {
      server.stop(0);
      server = null;
    }
  }

  void setReadArtifactApi(ReadArtifactApi api) {
    this.readArtifactApi = api;
  }

  synchronized int port() {
    return port;
  }

  /** Closes or reopens the listening socket for {@link Outage#REFUSE_CONNECTIONS}. */
  synchronized void outageChanged(Outage outage) {
    if (outage == Outage.REFUSE_CONNECTIONS && server != null) {
      stop();
    } else if (outage != Outage.REFUSE_CONNECTIONS && server == null && port != 0) {
      start();
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = readBody(exchange.getRequestBody());
      Route route = route(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath());
      counters.increment(route.endpoint());
      Outage outage = faults.outage();
      if (outage == Outage.UNAVAILABLE) {
        sendError(exchange, new ApiError(GrpcCode.UNAVAILABLE, "Service unavailable", "Service unavailable"));
        return;
      }
      if (outage != null) {
        return;
      }
      Faults.Decision decision = faults.decide(route.endpoint());
      pause(decision.delay());
      Fault failure = decision.failure();
      if (failure != null && failure.kind() == Fault.Kind.DROP_CONNECTION) {
        return;
      }
      if (failure != null && failure.kind() == Fault.Kind.STATUS) {
        if (handlerStyle(route)) {
          send(exchange, failure.httpStatus(), handlerErrorBody("injected fault: HTTP " + failure.httpStatus(),
              "injected fault"), Map.of());
          return;
        }
        sendInjected(exchange, failure);
        return;
      }
      boolean dropAfterCommit = failure != null && failure.kind() == Fault.Kind.COMMIT_THEN_DROP;
      int status = 200;
      JsonNode response;
      Map<String, String> headers = Map.of();
      try {
        response = dispatch(route, exchange, body);
      } catch (ApiError e) {
        status = e.code().httpStatus();
        response = errorBody(e);
        headers = e.headers();
        if (handlerStyle(route)) {
          status = handlerStatus(e.code());
          String message = status == 404 ? "artifact not found: <nil>" : handlerMessage(e);
          response = handlerErrorBody(message, message);
          headers = Map.of();
        }
      }
      if (dropAfterCommit) {
        LOG.debug("dropping the response to a create (status {}) as injected", status);
        return;
      }
      send(exchange, status, response, headers);
    } catch (RuntimeException e) {
      LOG.error("simulator failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      throw e;
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    return in.readAllBytes();
  }

  private static void pause(Duration delay) {
    if (delay.isZero()) {
      return;
    }
    try {
      Thread.sleep(delay.toMillis(), delay.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Route route(String method, String path) {
    boolean get = method.equals("GET");
    boolean post = method.equals("POST");
    if (path.equals(HEALTHZ)) {
      return Route.of(Endpoint.HEALTHZ, get);
    }
    if (path.startsWith(EXPERIMENTS) && path.indexOf('/', EXPERIMENTS.length()) < 0
        && path.length() > EXPERIMENTS.length()) {
      return new Route(Endpoint.GET_EXPERIMENT, get, decode(path.substring(EXPERIMENTS.length())), null, null);
    }
    if (path.startsWith(PIPELINES)) {
      String[] segments = path.substring(PIPELINES.length()).split("/", -1);
      if (segments.length == 2 && segments[0].equals("names") && !segments[1].isEmpty()) {
        return new Route(Endpoint.GET_PIPELINE_BY_NAME, get, decode(segments[1]), null, null);
      }
      if (segments.length == 2 && segments[1].equals("versions") && !segments[0].isEmpty()) {
        return new Route(Endpoint.LIST_PIPELINE_VERSIONS, get || post, decode(segments[0]), null, null);
      }
      return Route.of(Endpoint.UNKNOWN, true);
    }
    if (path.equals(RUNS)) {
      return post ? Route.of(Endpoint.CREATE_RUN, true) : Route.of(Endpoint.LIST_RUNS, get);
    }
    if (!path.startsWith(RUNS + "/") || path.length() == RUNS.length() + 1) {
      return Route.of(Endpoint.UNKNOWN, true);
    }
    String rest = path.substring(RUNS.length() + 1);
    String[] segments = rest.split("/", -1);
    if (segments.length == 5 && segments[1].equals("nodes") && segments[3].equals("artifacts")
        && segments[4].endsWith(":read") && !segments[0].isEmpty() && !segments[2].isEmpty()
        && segments[4].length() > ":read".length()) {
      String artifact = segments[4].substring(0, segments[4].length() - ":read".length());
      return new Route(Endpoint.READ_ARTIFACT, get, decode(segments[0]), decode(segments[2]), decode(artifact));
    }
    if (segments.length != 1) {
      return Route.of(Endpoint.UNKNOWN, true);
    }
    int colon = rest.lastIndexOf(':');
    if (colon > 0) {
      Endpoint action = switch (rest.substring(colon + 1)) {
        case "archive" -> Endpoint.ARCHIVE_RUN;
        case "unarchive" -> Endpoint.UNARCHIVE_RUN;
        case "terminate" -> Endpoint.TERMINATE_RUN;
        case "retry" -> Endpoint.RETRY_RUN;
        default -> null;
      };
      if (action != null) {
        return new Route(action, post, decode(rest.substring(0, colon)), null, null);
      }
    }
    String runId = decode(rest);
    if (method.equals("DELETE")) {
      return new Route(Endpoint.DELETE_RUN, true, runId, null, null);
    }
    return new Route(Endpoint.GET_RUN, get, runId, null, null);
  }

  private static String decode(String segment) {
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private JsonNode dispatch(Route route, HttpExchange exchange, byte[] body) {
    if (route.endpoint() == Endpoint.UNKNOWN) {
      throw new ApiError(GrpcCode.NOT_FOUND, "Not Found", null);
    }
    if (!route.allowed()) {
      throw new ApiError(GrpcCode.UNIMPLEMENTED, "Method Not Allowed", null);
    }
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    Supplier<ObjectNode> empty = RunJson.NODES::objectNode;
    String runId = route.runId();
    return switch (route.endpoint()) {
      case CREATE_RUN -> store.create(CreateRequest.parse(body), authorization);
      case LIST_RUNS -> store.list(listRequest(exchange.getRequestURI().getRawQuery()), authorization);
      case GET_RUN -> store.get(runId, authorization);
      case ARCHIVE_RUN -> {
        store.archive(runId, authorization);
        yield empty.get();
      }
      case UNARCHIVE_RUN -> {
        store.unarchive(runId, authorization);
        yield empty.get();
      }
      case TERMINATE_RUN -> {
        store.terminate(runId, authorization);
        yield empty.get();
      }
      case RETRY_RUN -> {
        store.retry(runId, authorization);
        yield empty.get();
      }
      case DELETE_RUN -> {
        store.delete(runId, authorization);
        yield empty.get();
      }
      case READ_ARTIFACT -> RunJson.NODES.objectNode().put("data",
          store.readArtifact(runId, route.nodeId(), route.artifact(), authorization));
      case GET_EXPERIMENT -> store.experiment(runId, authorization);
      case GET_PIPELINE_BY_NAME -> store.pipelines().byName(runId,
          listRequest(exchange.getRequestURI().getRawQuery()).namespace(), authorization);
      case LIST_PIPELINE_VERSIONS -> {
        if (!exchange.getRequestMethod().equals("GET")) {
          throw new ApiError(GrpcCode.UNIMPLEMENTED, "the simulator does not create pipeline versions", null);
        }
        yield store.pipelines().listVersions(runId, listRequest(exchange.getRequestURI().getRawQuery()),
            authorization);
      }
      case HEALTHZ -> RunJson.NODES.objectNode().put("commit_sha", "simulator")
          .put("tag_name", KfpSimulator.VERSION).put("multi_user", store.multiUser())
          .put("pipeline_store", "database");
      case UNKNOWN -> throw new IllegalStateException();
    };
  }

  private static ListRequest listRequest(String rawQuery) {
    Map<String, String> query = new HashMap<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        try {
          query.putIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8),
              URLDecoder.decode(value, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          throw ApiError.gateway("invalid URL escape in query: " + pair);
        }
      }
    }
    Integer pageSize = null;
    String size = query.getOrDefault("page_size", query.get("pageSize"));
    if (size != null && !size.isEmpty()) {
      try {
        pageSize = Integer.parseInt(size);
      } catch (NumberFormatException e) {
        throw ApiError.gateway("parsing field \"page_size\": strconv.ParseInt: parsing \"" + size
            + "\": invalid syntax");
      }
    }
    return new ListRequest(param(query, "namespace"), param(query, "experiment_id"), param(query, "page_token"),
        pageSize, param(query, "sort_by"), param(query, "filter"));
  }

  private static String param(Map<String, String> query, String name) {
    String value = query.get(name);
    return value != null ? value : query.getOrDefault(RunJson.lowerCamel(name), "");
  }

  /** True when this call is a read_artifact answered as KFP ≥ 2.15's plain HTTP handler answers it. */
  private boolean handlerStyle(Route route) {
    return route.endpoint() == Endpoint.READ_ARTIFACT && route.allowed()
        && readArtifactApi == ReadArtifactApi.HTTP_HANDLER;
  }

  /** KFP ≥ 2.15's read_artifact: auth failures (unknown run included) 403, missing things 404, else 500. */
  private static int handlerStatus(GrpcCode code) {
    return switch (code) {
      case UNAUTHENTICATED, PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      default -> 500;
    };
  }

  /** The handler writes the error chain below the server's own context ("Failed to read artifact"). */
  private static String handlerMessage(ApiError error) {
    String message = error.getMessage();
    String context = "Failed to read artifact: ";
    return message.startsWith(context) ? message.substring(context.length()) : message;
  }

  private static ObjectNode handlerErrorBody(String message, String details) {
    ObjectNode body = RunJson.NODES.objectNode();
    body.put("error_message", message == null ? "Internal Server Error" : message);
    body.put("error_details", details);
    return body;
  }

  private void sendInjected(HttpExchange exchange, Fault fault) throws IOException {
    GrpcCode code = GrpcCode.forHttpStatus(fault.httpStatus());
    String text = code == GrpcCode.UNAVAILABLE ? "Service unavailable" : "injected fault: HTTP " + fault.httpStatus();
    Map<String, String> headers = fault.retryAfter() == null ? Map.of()
        : Map.of("Retry-After", Long.toString(Math.max(0, fault.retryAfter().toSeconds())));
    send(exchange, fault.httpStatus(), errorBody(new ApiError(code, text, text)), headers);
  }

  private void sendError(HttpExchange exchange, ApiError error) throws IOException {
    send(exchange, error.code().httpStatus(), errorBody(error), error.headers());
  }

  private static ObjectNode errorBody(ApiError error) {
    ObjectNode body = RunJson.NODES.objectNode();
    body.put("code", error.code().number());
    body.put("message", error.getMessage());
    if (error.shortMessage() != null) {
      body.putArray("details").addObject()
          .put("@type", "type.googleapis.com/google.rpc.Status")
          .put("code", error.code().number())
          .put("message", error.shortMessage());
    }
    return body;
  }

  private void send(HttpExchange exchange, int status, JsonNode body, Map<String, String> headers)
      throws IOException {
    byte[] bytes = RunJson.MAPPER.writeValueAsBytes(body);
    counters.addBytesSent(bytes.length);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
