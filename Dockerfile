# syntax=docker/dockerfile:1
# Build: docker build -t kfp-run-operator .   Install: the Helm chart (helm/kfp-run-operator) or deploy/.
# Behind a TLS-intercepting proxy, hand the build its CA certificates (a PEM bundle) as a secret; podman and
# buildah take the same flag:
#   docker build --secret id=ca-certificates,src=/etc/ssl/certs/ca-certificates.crt -t kfp-run-operator .

FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
# With the secret, Maven trusts the bundle's certificates besides the JDK's (.mvn/jvm.config names the store).
COPY src/docker/MavenTrustStore.java /opt/
RUN --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then \
      mkdir -p .mvn \
      && java /opt/MavenTrustStore.java /run/secrets/ca-certificates /src/.mvn/truststore.p12 changeit \
      && echo "-Djavax.net.ssl.trustStore=/src/.mvn/truststore.p12 -Djavax.net.ssl.trustStorePassword=changeit" \
        > .mvn/jvm.config; \
    fi
# Every module's pom (Maven reads them all), then the dependencies of the operator and the modules it builds on.
COPY pom.xml .
COPY api/pom.xml api/
COPY kfp-client/pom.xml kfp-client/
COPY simulator/pom.xml simulator/
COPY local-peers/pom.xml local-peers/
COPY operator/pom.xml operator/
COPY dev-tools/pom.xml dev-tools/
RUN mvn -B -q -pl operator -am org.apache.maven.plugins:maven-dependency-plugin:3.8.1:go-offline
COPY api/src/main api/src/main
COPY kfp-client/src/main kfp-client/src/main
COPY operator/src/main operator/src/main
# The production jar only (operator/target/kfp-run-operator.jar): the modules api, kfp-client and operator; no
# development module, no test compilation or test resources, no control plane or KFP test server.
RUN mvn -B -q -pl operator -am -Dmaven.test.skip=true package

FROM eclipse-temurin:17.0.16_8-jre
# A numeric non-root user, so the kubelet can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001
WORKDIR /app
COPY --from=build --chown=10001:10001 /src/operator/target/kfp-run-operator.jar /app/kfp-run-operator.jar
EXPOSE 8080
# The heap follows the container's memory limit, not the node's; on OutOfMemoryError the JVM exits and the
# kubelet restarts the pod. More options: JDK_JAVA_OPTIONS.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/kfp-run-operator.jar", "operator"]
