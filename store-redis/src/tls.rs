//! The certificates a store trusts and presents on `rediss://`.

use redis::{ErrorKind, RedisError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::fmt;
use std::sync::Arc;

/// The TLS of a `rediss://` connection: which CA to trust, and the client certificate to
/// present where Redis asks for one (mutual TLS, `tls-auth-clients yes`). Empty (the default):
/// the public web roots (webpki) and no client certificate, right for a Redis whose certificate
/// a public CA signed.
///
/// ```
/// use keycard_redis::{RedisConfig, RedisTls};
///
/// # let (ca_pem, cert_pem, key_pem) = (Vec::new(), Vec::new(), Vec::new());
/// let mut config = RedisConfig::default();
/// config.tls = RedisTls::default()
///     .with_ca_pem(ca_pem) // the private CA that signed Redis's certificate
///     .with_client_cert_pem(cert_pem, key_pem); // for mTLS
/// ```
///
/// Its `Debug` shows what is set, never the key.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisTls {
    ca_pem: Option<Vec<u8>>,
    client: Option<(Vec<u8>, Vec<u8>)>,
}

impl RedisTls {
    /// Trust only the CA certificates in `pem` (one or more `CERTIFICATE` blocks) for Redis's
    /// certificate, instead of the public web roots.
    pub fn with_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Present this client certificate chain (`cert_pem`) and its private key (`key_pem`,
    /// PKCS#8, PKCS#1 or SEC1 in PEM; **a secret**) when Redis asks for one.
    pub fn with_client_cert_pem(
        mut self,
        cert_pem: impl Into<Vec<u8>>,
        key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.client = Some((cert_pem.into(), key_pem.into()));
        self
    }

    /// Whether anything is set (otherwise a `rediss://` connection uses the defaults).
    pub(crate) fn is_set(&self) -> bool {
        self.ca_pem.is_some() || self.client.is_some()
    }

    /// The rustls configuration of a `rediss://` connection to one Redis: the CA (or the
    /// webpki roots) and the client certificate. `Err` if a PEM cannot be read.
    pub(crate) fn client_config(&self) -> Result<Arc<rustls::ClientConfig>, RedisError> {
        let mut roots = rustls::RootCertStore::empty();
        match &self.ca_pem {
            Some(pem) => {
                for certificate in CertificateDer::pem_slice_iter(pem) {
                    let certificate = certificate.map_err(|e| unusable("the CA PEM", &e))?;
                    roots
                        .add(certificate)
                        .map_err(|e| unusable("the CA certificate", &e))?;
                }
                if roots.is_empty() {
                    return Err(unusable("the CA PEM", &"no CERTIFICATE block"));
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| unusable("the TLS versions", &e))?
            .with_root_certificates(roots);
        let config = match &self.client {
            Some((cert, key)) => {
                let chain = CertificateDer::pem_slice_iter(cert)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| unusable("the client certificate PEM", &e))?;
                let key = PrivateKeyDer::from_pem_slice(key)
                    .map_err(|_| unusable("the client key PEM", &"no private key"))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| unusable("the client certificate", &e))?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(Arc::new(config))
    }

    /// The form the `redis` crate takes (for a cluster, whose connections it opens).
    pub(crate) fn certificates(&self) -> redis::TlsCertificates {
        redis::TlsCertificates {
            client_tls: self
                .client
                .as_ref()
                .map(|(cert, key)| redis::ClientTlsConfig {
                    client_cert: cert.clone(),
                    client_key: key.clone(),
                }),
            root_cert: self.ca_pem.clone(),
        }
    }
}

impl fmt::Debug for RedisTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTls")
            .field(
                "ca_pem",
                &self
                    .ca_pem
                    .as_ref()
                    .map(|pem| format!("{} bytes", pem.len())),
            )
            .field(
                "client_cert",
                &self.client.as_ref().map(|_| "<cert and key, redacted>"),
            )
            .finish()
    }
}

/// A TLS setting that cannot be used, with what is wrong (never the key's bytes).
fn unusable(what: &str, error: &dyn fmt::Display) -> RedisError {
    RedisError::from((
        ErrorKind::InvalidClientConfig,
        "unusable TLS setting",
        format!("{what}: {error}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_client_key() {
        let tls = RedisTls::default()
            .with_ca_pem("-----BEGIN CERTIFICATE-----ca")
            .with_client_cert_pem("cert", "-----BEGIN PRIVATE KEY-----very-secret");
        let shown = format!("{tls:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
        assert!(tls.is_set());
        assert!(!RedisTls::default().is_set());
    }
}
