package dev.kfp.operator.identity;

import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpClient;
import dev.kfp.operator.kfp.KfpClientProvider;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@code namespace-identity} mode: calls for a Run go to KFP as a service account of the Run's own
 * namespace, with a short-lived token minted through the TokenRequest API (audience
 * {@code pipelines.kubeflow.org}) and cached until near its expiry. KFP's own authorization then decides what
 * the operator may do in each namespace, so a Run cannot reach into another team's namespace.
 */
public final class NamespaceIdentityClients implements KfpClientProvider, AutoCloseable {

  /** The audience KFP's TokenReview expects by default. */
  public static final String AUDIENCE = "pipelines.kubeflow.org";
  /** The shortest lifetime Kubernetes grants; tokens are renewed when a fifth of it is left. */
  static final Duration TOKEN_LIFETIME = Duration.ofMinutes(10);

  private final KubernetesClient kubernetes;
  private final String serviceAccount;
  private final Function<Supplier<String>, HttpKfpClient> factory;
  private final Clock clock;
  private final Map<String, HttpKfpClient> clients = new ConcurrentHashMap<>();

  /**
   * @param factory builds a namespace's KFP client around its token supplier (endpoint, timeouts, CA, and the
   *     call listeners: circuit breaker, metrics); called once per namespace, from any thread
   */
  public NamespaceIdentityClients(KubernetesClient kubernetes, String serviceAccount,
      Function<Supplier<String>, HttpKfpClient> factory, Clock clock) {
    this.kubernetes = kubernetes;
    this.serviceAccount = serviceAccount;
    this.factory = factory;
    this.clock = clock;
  }

  @Override
  public KfpClient forNamespace(String namespace) {
    return clients.computeIfAbsent(namespace, ns -> factory.apply(new TokenSource(ns)));
  }

  @Override
  public void close() {
    clients.values().forEach(HttpKfpClient::close);
  }

  /** One namespace's token: minted on first use, renewed when a fifth of its lifetime is left. */
  private final class TokenSource implements Supplier<String> {
    private final String namespace;
    private String token;
    private Instant renewAt = Instant.MIN;

    TokenSource(String namespace) {
      this.namespace = namespace;
    }

    @Override
    public synchronized String get() {
      Instant now = clock.instant();
      if (token == null || !now.isBefore(renewAt)) {
        TokenRequest answer;
        try {
          answer = kubernetes.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
              .tokenRequest(new TokenRequestBuilder().withNewSpec()
                  .withAudiences(AUDIENCE)
                  .withExpirationSeconds(TOKEN_LIFETIME.toSeconds())
                  .endSpec().build());
        } catch (KubernetesClientException e) {
          throw new IllegalStateException("no token for service account " + namespace + "/" + serviceAccount
              + " (TokenRequest failed with HTTP " + e.getCode() + "; does the service account exist, and may the"
              + " operator create serviceaccounts/token in that namespace?)", e);
        }
        if (answer == null || answer.getStatus() == null || answer.getStatus().getToken() == null) {
          throw new IllegalStateException("the TokenRequest for service account " + namespace + "/"
              + serviceAccount + " returned no token");
        }
        token = answer.getStatus().getToken();
        Instant expires = answer.getStatus().getExpirationTimestamp() == null ? now.plus(TOKEN_LIFETIME)
            : Instant.parse(answer.getStatus().getExpirationTimestamp());
        renewAt = expires.minus(Duration.between(now, expires).dividedBy(5));
      }
      return token;
    }

    @Override
    public String toString() {
      return "token of service account " + namespace + "/" + serviceAccount;
    }
  }
}
