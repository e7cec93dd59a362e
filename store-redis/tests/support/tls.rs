//! A real `redis-server` speaking only TLS, with certificates from the tests' own CA (rcgen);
//! stopped (and its directory removed) when dropped.

use super::{free_port, INSTALL_HINT};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// PEM files of one certificate and its key.
pub struct Pem {
    pub cert: String,
    pub key: String,
}

/// A CA of the tests, and certificates it signed.
pub struct TestCa {
    pub ca: Pem,
    pub server: Pem,
    pub client: Pem,
}

impl TestCa {
    /// A new CA, a server certificate for 127.0.0.1 and localhost, a client certificate.
    pub fn new() -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "keycard test CA");
        let ca_cert = params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(params, &ca_key);
        let leaf = |names: Vec<String>, name: &str| {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(names).unwrap();
            params.distinguished_name.push(DnType::CommonName, name);
            let cert = params.signed_by(&key, &issuer).unwrap();
            Pem {
                cert: cert.pem(),
                key: key.serialize_pem(),
            }
        };
        let server = leaf(
            vec!["127.0.0.1".to_owned(), "localhost".to_owned()],
            "redis",
        );
        let client = leaf(vec!["keycard-client".to_owned()], "keycard-client");
        Self {
            ca: Pem {
                cert: ca_cert.pem(),
                key: ca_key.serialize_pem(),
            },
            server,
            client,
        }
    }
}

/// A running `redis-server` on a TLS port only.
pub struct TlsRedis {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl TlsRedis {
    /// Starts one with the server certificate of `ca`; `client_auth`: clients must present a
    /// certificate the CA signed (mTLS).
    pub fn start(ca: &TestCa, client_auth: bool) -> Self {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("keycard-redis-tls-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let cert = write("server.crt", &ca.server.cert);
        let key = write("server.key", &ca.server.key);
        let ca_file = write("ca.crt", &ca.ca.cert);
        let program =
            std::env::var("KEYCARD_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&program)
            .args(["--port", "0"])
            .args(["--tls-port", &port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .arg("--tls-cert-file")
            .arg(&cert)
            .arg("--tls-key-file")
            .arg(&key)
            .arg("--tls-ca-cert-file")
            .arg(&ca_file)
            .args(["--tls-auth-clients", if client_auth { "yes" } else { "no" }])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--loglevel", "warning"])
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!("{INSTALL_HINT}"),
            Err(error) => panic!("could not start {program}: {error}"),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().ok().flatten() {
                panic!("redis-server with TLS exited at start (built without TLS?): {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server with TLS did not listen within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port, dir }
    }

    /// `rediss://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}/", self.port)
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
