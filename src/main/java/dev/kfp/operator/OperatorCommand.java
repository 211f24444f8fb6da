package dev.kfp.operator;

import dev.kfp.operator.config.AuthMode;
import dev.kfp.operator.config.ConfigException;
import dev.kfp.operator.config.OperatorConfig;
import dev.kfp.operator.kfp.HttpKfpClient;
import dev.kfp.operator.kfp.KfpClientConfig;
import dev.kfp.operator.reconciler.ReconcilerSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.CountDownLatch;

/** {@code operator}: runs the operator in a cluster, configured by environment variables and flags. */
public final class OperatorCommand {

  private OperatorCommand() {}

  public static int run(String[] args) throws InterruptedException {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println("usage: operator [flags]; every flag can also be set as the environment variable shown\n"
          + OperatorConfig.usage());
      return 0;
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.load(System.getenv(), args);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    KfpClientConfig.Builder kfp = KfpClientConfig.builder(config.kfpEndpoint().toString())
        .connectTimeout(config.kfpTimeout())
        .readTimeout(config.kfpTimeout());
    if (config.kfpCaBundle() != null) {
      kfp.caBundle(config.kfpCaBundle());
    }
    if (config.kfpAuth() == AuthMode.TOKEN) {
      kfp.bearerTokenFile(config.kfpTokenFile());
    }
    KubernetesClient kubernetes = new KubernetesClientBuilder().build();
    HttpKfpClient client = new HttpKfpClient(kfp.build());
    RunOperator operator = RunOperator.start(kubernetes, client,
        new ReconcilerSettings(config.pollInterval(), config.resyncInterval(), config.kfpUiUrl()),
        config.watchNamespaces());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      operator.close();
      client.close();
      kubernetes.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }
}
