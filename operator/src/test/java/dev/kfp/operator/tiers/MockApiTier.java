package dev.kfp.operator.tiers;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The mock API tier: the test starts Fabric8's mock Kubernetes API (CRUD, no schema or CEL rules), in process, and no
 * real kube-apiserver or KFP server. Run the tier alone with {@code mvn -B test -Dgroups=mock-api};
 * docs/developing/test-tiers.md lists every tier.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("mock-api")
public @interface MockApiTier {}
