//! TLS that just works: clients built through keycard's re-exports (`keycard::reqwest::reqwest`,
//! `keycard::ureq::ureq`) speak HTTPS with no crypto-provider set-up, and the transports take a
//! private root certificate and a client certificate (mutual TLS), against a TLS server on
//! 127.0.0.1 whose test CA is made here.
#![cfg(any(feature = "reqwest", feature = "ureq"))]

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

/// A test CA, a server certificate for 127.0.0.1 and a client certificate, all signed by it.
struct Pki {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    server_der: CertificateDer<'static>,
    server_key: PrivatePkcs8KeyDer<'static>,
    client_pem: String,
    client_key_pem: String,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &ca, &ca_key)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = CertificateParams::new(vec!["client.test".to_owned()])
        .unwrap()
        .signed_by(&client_key, &ca, &ca_key)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().clone(),
        server_der: server.der().clone(),
        server_key: PrivatePkcs8KeyDer::from(server_key.serialize_der()),
        client_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

/// An HTTPS server on 127.0.0.1 that asks every client for a certificate signed by the test
/// CA and answers `200 ok` to each request that presents one. Its URL.
fn serve(pki: &Pki) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
            .build()
            .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![pki.server_der.clone()],
            PrivateKeyDer::Pkcs8(pki.server_key.clone_key()),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let config = Arc::clone(&config);
            std::thread::spawn(move || {
                let connection = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(connection, stream);
                // A refused handshake (no client certificate, an unknown CA) ends here.
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match tls.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let _ = tls.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    url
}

#[cfg(feature = "reqwest")]
mod reqwest_client {
    use super::*;
    use keycard::reqwest::reqwest;

    #[tokio::test]
    async fn a_client_new_through_the_reexport_speaks_tls_with_no_provider_set_up() {
        let pki = pki();
        let url = serve(&pki);
        // Before the fix, `Client::new()` panicked: "No rustls crypto provider". Now it
        // shakes hands, and refuses the test server's certificate (not in the Mozilla roots).
        let error = reqwest::Client::new().get(&url).send().await.unwrap_err();
        assert!(error.is_connect(), "{error:?}");
        assert!(
            format!("{error:?}").contains("UnknownIssuer"),
            "a certificate error: {error:?}"
        );
    }

    #[tokio::test]
    async fn a_client_with_a_private_root_and_a_client_certificate_gets_through() {
        let pki = pki();
        let url = serve(&pki);
        let identity = format!("{}{}", pki.client_pem, pki.client_key_pem);
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap())
            .identity(reqwest::Identity::from_pem(identity.as_bytes()).unwrap())
            .build()
            .unwrap();
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "ok");
    }

    #[tokio::test]
    async fn the_transport_takes_a_rustls_config_with_a_private_root_and_a_client_certificate() {
        use keycard::reqwest::rustls::pki_types::pem::PemObject;
        use keycard::AsyncTransport;
        let pki = pki();
        let url = serve(&pki);
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).unwrap())
            .unwrap();
        let chain = vec![CertificateDer::from_pem_slice(pki.client_pem.as_bytes()).unwrap()];
        let key = PrivateKeyDer::from_pem_slice(pki.client_key_pem.as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let with_roots = || {
            rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots.clone())
        };
        let send = |tls: rustls::ClientConfig| {
            let transport = keycard::reqwest::ReqwestTransport::builder()
                .tls_config(tls)
                .build()
                .unwrap();
            let request = http::Request::get(&url).body(Vec::new()).unwrap();
            async move { transport.send(request).await }
        };
        let response = send(with_roots().with_client_auth_cert(chain, key).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.body(), b"ok");
        // Without the client certificate, the server refuses the handshake.
        let error = send(with_roots().with_no_client_auth()).await.unwrap_err();
        assert!(
            matches!(
                error.kind(),
                keycard::TransportErrorKind::Tls | keycard::TransportErrorKind::Io
            ),
            "{error:?}"
        );
    }
}

#[cfg(feature = "ureq")]
mod ureq_agent {
    use super::*;
    use keycard::ureq::ureq;
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};

    fn mutual_tls(pki: &Pki) -> TlsConfig {
        let root = Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap();
        let chain = [Certificate::from_pem(pki.client_pem.as_bytes()).unwrap()];
        let key = PrivateKey::from_pem(pki.client_key_pem.as_bytes()).unwrap();
        TlsConfig::builder()
            .root_certs(RootCerts::new_with_certs(&[root]))
            .client_cert(Some(ClientCert::new_with_certs(&chain, key)))
            .build()
    }

    #[test]
    fn an_agent_with_defaults_through_the_reexport_speaks_tls_with_no_provider_set_up() {
        let pki = pki();
        let url = serve(&pki);
        let error = ureq::Agent::new_with_defaults()
            .get(&url)
            .call()
            .unwrap_err();
        assert!(
            format!("{error:?}").contains("UnknownIssuer"),
            "a certificate error: {error:?}"
        );
    }

    #[test]
    fn an_agent_with_a_private_root_and_a_client_certificate_gets_through() {
        let pki = pki();
        let url = serve(&pki);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(mutual_tls(&pki))
            .build()
            .into();
        let mut response = agent.get(&url).call().unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.body_mut().read_to_string().unwrap(), "ok");
    }

    #[test]
    fn the_transport_takes_a_private_root_and_a_client_certificate() {
        use keycard::Transport;
        let pki = pki();
        let url = serve(&pki);
        let transport = keycard::ureq::UreqTransport::builder()
            .tls_config(mutual_tls(&pki))
            .build();
        let response = transport
            .send(http::Request::get(&url).body(Vec::new()).unwrap())
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.body(), b"ok");
    }
}
