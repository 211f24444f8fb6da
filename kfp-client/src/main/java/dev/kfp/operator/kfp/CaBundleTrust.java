package dev.kfp.operator.kfp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Server-certificate trust built from a PEM bundle of CA certificates, optionally plus the system's CAs. */
record CaBundleTrust(SSLSocketFactory socketFactory, X509TrustManager trustManager) {

  static CaBundleTrust load(Path pemBundle, boolean includeSystemCas) {
    try {
      List<Certificate> cas = new ArrayList<>(readPem(pemBundle));
      if (includeSystemCas) {
        cas.addAll(List.of(trustManager(null).getAcceptedIssuers()));
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        store.setCertificateEntry("ca-" + i, cas.get(i));
      }
      X509TrustManager trustManager = trustManager(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trustManager}, null);
      return new CaBundleTrust(context.getSocketFactory(), trustManager);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot use the CA bundle " + pemBundle + ": " + e.getMessage(), e);
    }
  }

  private static Collection<? extends Certificate> readPem(Path pemBundle)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pemBundle)) {
      Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
          .generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new GeneralSecurityException("it holds no PEM certificate");
      }
      return certificates;
    }
  }

  private static X509TrustManager trustManager(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        return x509;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager available");
  }
}
