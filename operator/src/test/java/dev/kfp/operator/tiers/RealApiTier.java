package dev.kfp.operator.tiers;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The real API tier: the test starts the real kube-apiserver and etcd (the binaries src/test/go/control-plane/build.sh
 * builds), and no KFP server. Run the tier alone with {@code mvn -B test -Dgroups=real-api};
 * docs/developing/test-tiers.md lists every tier.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("real-api")
public @interface RealApiTier {}
