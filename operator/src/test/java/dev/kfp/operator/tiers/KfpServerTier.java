package dev.kfp.operator.tiers;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The KFP server tier: the test starts KFP 2.17.0's own API server (built by src/test/go/kfp-server/build.sh), on
 * either Kubernetes API. Run the tier alone with {@code mvn -B test -Dgroups=kfp-server};
 * docs/developing/test-tiers.md lists every tier.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("kfp-server")
public @interface KfpServerTier {}
