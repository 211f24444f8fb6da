package dev.kfp.operator.kfp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KfpClient} over HTTP with OkHttp. It never repeats a request by itself (a silently re-sent create
 * would make a second run): every failure becomes a classified {@link KfpException} and the caller decides.
 * Every call goes out through one execute path, around which the configuration's {@link KfpCallListener}s
 * (metrics, circuit breaker) hear it.
 */
public final class HttpKfpClient implements KfpClient, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HttpKfpClient.class);
  private static final MediaType JSON = MediaType.get("application/json");
  private static final RequestBody EMPTY = RequestBody.create(new byte[0], null);
  private static final long MAX_ERROR_BODY = 64 * 1024;
  /**
   * Larger answers are refused while being read: a page of 100 runs with inline pipeline specs stays far below
   * it, and parsed JSON takes several times its text size in memory.
   */
  static final long MAX_RESPONSE_BODY = 16L * 1024 * 1024;

  private final KfpClientConfig config;
  private final HttpUrl runsUrl;
  private final HttpUrl experimentsUrl;
  private final HttpUrl pipelinesUrl;
  private final OkHttpClient http;
  private final ObjectMapper json = KfpJson.mapper();

  public HttpKfpClient(KfpClientConfig config) {
    this(config, List.of());
  }

  /**
   * With OkHttp interceptors around every call, for tests that watch the exchanges on the wire (the contract
   * tests check each one against KFP's OpenAPI document) and the benchmark, which counts the bytes KFP sends.
   */
  public HttpKfpClient(KfpClientConfig config, List<Interceptor> interceptors) {
    this.config = Objects.requireNonNull(config, "config");
    this.runsUrl = Objects.requireNonNull(HttpUrl.get(config.baseUrl())).newBuilder()
        .addPathSegments("apis/v2beta1/runs")
        .build();
    this.experimentsUrl = Objects.requireNonNull(HttpUrl.get(config.baseUrl())).newBuilder()
        .addPathSegments("apis/v2beta1/experiments")
        .build();
    this.pipelinesUrl = Objects.requireNonNull(HttpUrl.get(config.baseUrl())).newBuilder()
        .addPathSegments("apis/v2beta1/pipelines")
        .build();
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .retryOnConnectionFailure(false)
        // A redirect here is a login page of a proxy; following it would turn a POST into a GET of HTML.
        .followRedirects(false)
        .followSslRedirects(false)
        // Without silent retries, reusing a pooled connection that the server or a proxy closed meanwhile fails
        // the call; keeping idle connections only briefly makes that rarer.
        .connectionPool(new ConnectionPool(16, 30, TimeUnit.SECONDS))
        .connectTimeout(config.connectTimeout())
        .readTimeout(config.readTimeout())
        .writeTimeout(config.readTimeout());
    interceptors.forEach(builder::addInterceptor);
    if (config.caBundle() != null) {
      CaBundleTrust trust = CaBundleTrust.load(config.caBundle(), config.trustSystemCas());
      builder.sslSocketFactory(trust.socketFactory(), trust.trustManager());
    }
    this.http = builder.build();
  }

  /** Only the input fields of {@code run} are sent; KFP rejects output fields and unknown ones. */
  @Override
  public KfpRun createRun(KfpRun run) {
    Objects.requireNonNull(run, "run");
    CreateRunBody body = new CreateRunBody(run.experimentId(), run.displayName(), run.description(),
        run.pipelineVersionReference(), run.pipelineSpec(), run.runtimeConfig(), run.serviceAccount(),
        run.pluginsInput());
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("run cannot be written as JSON: " + e.getMessage(), e);
    }
    return execute(KfpOperation.CREATE_RUN, "POST", runsUrl, RequestBody.create(bytes, JSON),
        answer -> json.readValue(bounded(answer), KfpRun.class));
  }

  @Override
  public KfpExperiment getExperiment(String experimentId) {
    HttpUrl url = experimentsUrl.newBuilder().addPathSegment(requireId(experimentId, "experiment id")).build();
    return execute(KfpOperation.GET_EXPERIMENT, "GET", url, null,
        body -> json.readValue(bounded(body), KfpExperiment.class));
  }

  @Override
  public KfpPipeline getPipelineByName(String name, String namespace) {
    HttpUrl.Builder url = pipelinesUrl.newBuilder().addPathSegment("names")
        .addPathSegment(requireId(name, "pipeline name"));
    addQuery(url, "namespace", namespace);
    return execute(KfpOperation.GET_PIPELINE_BY_NAME, "GET", url.build(), null,
        body -> json.readValue(bounded(body), KfpPipeline.class));
  }

  @Override
  public ListPipelineVersionsResponse listPipelineVersions(ListPipelineVersionsRequest request) {
    Objects.requireNonNull(request, "request");
    HttpUrl.Builder url = pipelinesUrl.newBuilder()
        .addPathSegment(requireId(request.pipelineId(), "pipeline id"))
        .addPathSegment("versions");
    addPaging(url, request.pageToken(), request.pageSize(), request.sortBy(), request.filter());
    return execute(KfpOperation.LIST_PIPELINE_VERSIONS, "GET", url.build(), null,
        body -> json.readValue(bounded(body), ListPipelineVersionsResponse.class));
  }

  @Override
  public KfpRun getRun(String runId) {
    return execute(KfpOperation.GET_RUN, "GET", runUrl(runId, ""), null,
        body -> json.readValue(bounded(body), KfpRun.class));
  }

  @Override
  public ListRunsResponse listRuns(ListRunsRequest request) {
    Objects.requireNonNull(request, "request");
    HttpUrl.Builder url = runsUrl.newBuilder();
    addQuery(url, "namespace", request.namespace());
    addQuery(url, "experiment_id", request.experimentId());
    addPaging(url, request.pageToken(), request.pageSize(), request.sortBy(), request.filter());
    return execute(KfpOperation.LIST_RUNS, "GET", url.build(), null,
        body -> json.readValue(bounded(body), ListRunsResponse.class));
  }

  @Override
  public void archiveRun(String runId) {
    action(KfpOperation.ARCHIVE_RUN, "POST", runUrl(runId, ":archive"));
  }

  @Override
  public void unarchiveRun(String runId) {
    action(KfpOperation.UNARCHIVE_RUN, "POST", runUrl(runId, ":unarchive"));
  }

  @Override
  public void terminateRun(String runId) {
    action(KfpOperation.TERMINATE_RUN, "POST", runUrl(runId, ":terminate"));
  }

  @Override
  public void retryRun(String runId) {
    action(KfpOperation.RETRY_RUN, "POST", runUrl(runId, ":retry"));
  }

  @Override
  public void deleteRun(String runId) {
    action(KfpOperation.DELETE_RUN, "DELETE", runUrl(runId, ""));
  }

  @Override
  public ReadArtifactResponse readArtifact(String runId, String nodeId, String artifactName) {
    return execute(KfpOperation.READ_ARTIFACT, "GET", artifactUrl(runId, nodeId, artifactName), null, response -> {
      JsonNode data = json.readTree(bounded(response)).path("data");
      return new ReadArtifactResponse(Base64.getMimeDecoder().decode(data.asText("")));
    });
  }

  /** Streams the answer through base64, gzip and tar decoding; only the tail is ever held. */
  @Override
  public LogTail readArtifactTail(String runId, String nodeId, String artifactName, LogTailLimits limits) {
    Objects.requireNonNull(limits, "limits");
    return execute(KfpOperation.READ_ARTIFACT, "GET", artifactUrl(runId, nodeId, artifactName), null, response -> {
      try {
        return LogArchive.tail(ArtifactDataStream.decoded(response.byteStream()), limits);
      } catch (ArtifactDataStream.TransportException e) {
        throw e.getCause();
      }
    });
  }

  private HttpUrl artifactUrl(String runId, String nodeId, String artifactName) {
    return runsUrl.newBuilder()
        .addPathSegment(requireId(runId, "run id"))
        .addPathSegment("nodes")
        .addPathSegment(requireId(nodeId, "node id"))
        .addPathSegment("artifacts")
        .addPathSegment(requireId(artifactName, "artifact name") + ":read")
        .build();
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private void action(KfpOperation operation, String method, HttpUrl url) {
    execute(operation, method, url, "POST".equals(method) ? EMPTY : null, response -> null);
  }

  private HttpUrl runUrl(String runId, String verbSuffix) {
    return runsUrl.newBuilder().addPathSegment(requireId(runId, "run id") + verbSuffix).build();
  }

  /** An empty id would change the meaning of the URL (a get would become a list), so it never gets that far. */
  private static String requireId(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("KFP " + what + " must not be empty");
    }
    return value;
  }

  /** Turns a 2xx body into a result; throws on a body KFP would not send. */
  private interface BodyReader<T> {
    T read(ResponseBody body) throws IOException;
  }

  /** A body read whole into memory, refused once it passes {@link #MAX_RESPONSE_BODY}. */
  private static InputStream bounded(ResponseBody body) {
    return new BoundedInputStream(body.byteStream(), MAX_RESPONSE_BODY);
  }

  /** The one way out to KFP: the listeners hear the call around {@link #send}, and may hold it back. */
  private <T> T execute(KfpOperation operation, String method, HttpUrl url, RequestBody body,
      BodyReader<T> reader) {
    String name = operation.grpcName();
    List<KfpCallListener> listeners = config.listeners();
    long started = System.nanoTime();
    int admitted = 0;
    RuntimeException failure = null;
    try {
      for (KfpCallListener listener : listeners) {
        listener.beforeCall(name);
        admitted++;
      }
      return send(operation, method, url, body, reader);
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      Duration duration = Duration.ofNanos(System.nanoTime() - started);
      for (int i = admitted - 1; i >= 0; i--) {
        listeners.get(i).afterCall(name, duration, failure);
      }
    }
  }

  private <T> T send(KfpOperation operation, String method, HttpUrl url, RequestBody body,
      BodyReader<T> reader) {
    Request request = request(operation, method, url, body);
    long started = System.nanoTime();
    try (Response response = http.newCall(request).execute()) {
      log(operation, method, url, Integer.toString(response.code()), started);
      if (!response.isSuccessful()) {
        throw operation.failure(response.code(), response.peekBody(MAX_ERROR_BODY).string(),
            response.header("Location"), response.header("Retry-After"));
      }
      try {
        return reader.read(response.body());
      } catch (LogArchive.UnreadableException e) {
        throw operation.unreadableArtifact(e);
      } catch (JsonProcessingException | IllegalArgumentException | BoundedInputStream.TooLargeException e) {
        // IllegalArgumentException: a value that is not what KFP writes, such as artifact data not in base64
        throw operation.unreadableResponse(response.code(), e);
      }
    } catch (IOException e) {
      log(operation, method, url, "failed (" + e.getClass().getSimpleName() + ")", started);
      throw operation.noResponse(e);
    }
  }

  private Request request(KfpOperation operation, String method, HttpUrl url, RequestBody body) {
    Request.Builder request = new Request.Builder().url(url).method(method, body)
        .header("Accept", "application/json");
    if (config.bearerToken() != null) {
      String token;
      try {
        token = config.bearerToken().get();
      } catch (RuntimeException e) {
        throw operation.noCredentials(e);
      }
      if (token != null && !token.isBlank()) {
        request.header("Authorization", "Bearer " + token);
      }
    }
    if (config.userIdHeader() != null) {
      request.header(config.userIdHeader(), config.userIdValue());
    }
    return request.build();
  }

  private static void log(KfpOperation operation, String method, HttpUrl url, String outcome, long started) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("KFP {} {} {} -> {} in {} ms", operation.grpcName(), method, url.encodedPath(), outcome,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
  }

  /** The query of KFP's list calls, which every list of the v2beta1 API shares. */
  private static void addPaging(HttpUrl.Builder url, String pageToken, int pageSize, String sortBy,
      RunFilter filter) {
    addQuery(url, "page_token", pageToken);
    if (pageSize > 0) {
      addQuery(url, "page_size", Integer.toString(pageSize));
    }
    addQuery(url, "sort_by", sortBy);
    if (filter != null) {
      url.addEncodedQueryParameter("filter", percentEncode(escapeForSecondDecoding(filter.toJson())));
    }
  }

  private static void addQuery(HttpUrl.Builder url, String name, String value) {
    if (value != null && !value.isEmpty()) {
      url.addEncodedQueryParameter(name, percentEncode(value));
    }
  }

  /**
   * KFP URL-decodes the filter once more after the normal query decoding (Go's {@code QueryUnescape}), which
   * turns {@code +} into a space and chokes on a lone {@code %}. Escaping exactly those two characters first
   * makes the second decoding give back the original JSON, and changes nothing for filters without them.
   */
  static String escapeForSecondDecoding(String value) {
    return value.replace("%", "%25").replace("+", "%2B");
  }

  /** Percent-encodes everything but RFC 3986's unreserved characters, as UTF-8. */
  static String percentEncode(String value) {
    StringBuilder encoded = new StringBuilder(value.length() * 3);
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~') {
        encoded.append(c);
      } else {
        encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return encoded.toString();
  }

  /** The input fields of a run, the only ones a create may carry. */
  private record CreateRunBody(String experimentId, String displayName, String description,
      PipelineVersionReference pipelineVersionReference, ObjectNode pipelineSpec, RuntimeConfig runtimeConfig,
      String serviceAccount, JsonNode pluginsInput) {}
}
