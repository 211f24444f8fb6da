import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Collections;

/**
 * Writes a PKCS#12 trust store holding the JDK's own CA certificates and those of a PEM bundle, for Maven in the
 * Dockerfile's build stage behind a TLS-intercepting proxy; run with the JDK's source launcher:
 * {@code java MavenTrustStore.java <bundle.pem> <truststore.p12> <password>}.
 */
public class MavenTrustStore {

  public static void main(String[] args) throws IOException, GeneralSecurityException {
    if (args.length != 3) {
      System.err.println("usage: java MavenTrustStore.java <PEM bundle> <trust store to write> <its password>");
      System.exit(2);
    }
    char[] password = args[2].toCharArray();
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, password);
    // The JDK's own, so that a bundle with only the proxy's CA still reaches hosts the JDK trusts.
    Path jdkCerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
    KeyStore jdk = KeyStore.getInstance(jdkCerts.toFile(), "changeit".toCharArray());
    for (String alias : Collections.list(jdk.aliases())) {
      if (jdk.isCertificateEntry(alias)) {
        store.setCertificateEntry("jdk-" + alias, jdk.getCertificate(alias));
      }
    }
    Collection<? extends Certificate> extra;
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
    }
    if (extra.isEmpty()) {
      System.err.println(args[0] + " holds no PEM certificate");
      System.exit(1);
    }
    int index = 0;
    for (Certificate certificate : extra) {
      store.setCertificateEntry("extra-" + index++, certificate);
    }
    try (OutputStream out = Files.newOutputStream(Path.of(args[1]))) {
      store.store(out, password);
    }
    System.out.println("Maven trusts " + jdk.size() + " CA certificates of the JDK and " + extra.size() + " of "
        + args[0]);
  }
}
