# syntax=docker/dockerfile:1
# Build: docker build -t kfp-run-operator .   Install: the Helm chart (helm/kfp-run-operator) or deploy/.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY crds crds
COPY deploy deploy
# The production jar only (target/kfp-run-operator.jar); the development jar is not built here.
RUN mvn -B -q -DskipTests -Dassembly.skipAssembly=true package

FROM eclipse-temurin:17-jre
# A numeric non-root user, so the kubelet can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001
WORKDIR /app
COPY --from=build --chown=10001:10001 /src/target/kfp-run-operator.jar /app/kfp-run-operator.jar
EXPOSE 8080
# The heap follows the container's memory limit, not the node's; on OutOfMemoryError the JVM exits and the
# kubelet restarts the pod. More options: JDK_JAVA_OPTIONS.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/kfp-run-operator.jar", "operator"]
