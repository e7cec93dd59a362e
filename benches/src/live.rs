//! Fetching a token over real HTTP from the emulator on 127.0.0.1: keycard's transports and the
//! hand-written clients, ready to call. Shared by the transport benchmark and `icount`.

use crate::alt::hand_fetch;
use keycard_core::voucherify::{self, Credentials, GenerateToken, Scope, Scopes, Token};
use keycard_core::{AsyncTransport, BaseUrl, SecretKey, Transport};
use keycard_emulator::Emulator;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Every this many tokens, the emulator's clock jumps past their lifetime, so its limit of 1000
/// live tokens per project is never reached.
const EXPIRE_EVERY: u64 = 500;

/// The emulator and the four clients, each with a warm connection.
pub struct Live {
    emulator: Emulator,
    generate: GenerateToken,
    target: hand_fetch::Target,
    keycard_ureq: keycard_ureq::UreqTransport,
    keycard_ureq_inline: keycard_ureq::UreqTransport,
    agent: ureq::Agent,
    agent_timeouts: ureq::Agent,
    keycard_reqwest: keycard_reqwest::ReqwestTransport,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    minted: AtomicU64,
}

impl Live {
    /// Starts the emulator and makes one request with each client.
    pub fn start() -> Self {
        let emulator = Emulator::start().expect("the emulator starts");
        let base = emulator.voucherify_url();
        let api = voucherify::Api::new(
            BaseUrl::parse(&base).expect("the emulator's URL"),
            Credentials::new(
                emulator.voucherify_app_id(),
                SecretKey::new(emulator.voucherify_secret_key()),
            )
            .expect("valid credentials"),
        );
        let generate = api
            .generate_token(&Scopes::from([Scope::Api]))
            .expect("a valid operation");
        let target = hand_fetch::Target::new(
            &base,
            emulator.voucherify_app_id(),
            emulator.voucherify_secret_key(),
            generate.scope_string(),
        );
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(keycard_reqwest::default_tls_config())
            .build()
            .expect("a reqwest client");
        let live = Self {
            emulator,
            generate,
            target,
            keycard_ureq: keycard_ureq::UreqTransport::new(),
            keycard_ureq_inline: keycard_ureq::UreqTransport::with_agent(ureq::Agent::with_parts(
                keycard_ureq_config(),
                ureq::unversioned::transport::DefaultConnector::new(),
                InlineLiterals::default(),
            )),
            agent: ureq::Agent::new_with_defaults(),
            agent_timeouts: keycard_ureq_config().into(),
            keycard_reqwest: keycard_reqwest::ReqwestTransport::new(),
            client,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            minted: AtomicU64::new(0),
        };
        live.keycard_ureq();
        live.keycard_ureq_inline();
        live.hand_ureq();
        live.hand_ureq_timeouts();
        live.keycard_reqwest();
        live.hand_reqwest();
        live
    }

    /// The emulator.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    fn minted(&self) {
        if self.minted.fetch_add(1, Ordering::Relaxed) % EXPIRE_EVERY == EXPIRE_EVERY - 1 {
            self.emulator.clock().advance(Duration::from_secs(901));
        }
    }

    /// keycard-ureq: `transport.run(&generate)?.into_result()?`.
    pub fn keycard_ureq(&self) -> Token {
        self.minted();
        self.keycard_ureq
            .run(&self.generate)
            .expect("a response")
            .into_result()
            .expect("a token")
    }

    /// keycard-ureq over an agent configured as keycard-ureq's own, except for a resolver that
    /// takes an IP address as it is instead of resolving it on a new thread.
    pub fn keycard_ureq_inline(&self) -> Token {
        self.minted();
        self.keycard_ureq_inline
            .run(&self.generate)
            .expect("a response")
            .into_result()
            .expect("a token")
    }

    /// ureq and serde_json by hand.
    pub fn hand_ureq(&self) -> hand_fetch::Token {
        self.minted();
        hand_fetch::with_ureq(&self.agent, &self.target)
    }

    /// ureq and serde_json by hand, with keycard-ureq's timeouts.
    pub fn hand_ureq_timeouts(&self) -> hand_fetch::Token {
        self.minted();
        hand_fetch::with_ureq(&self.agent_timeouts, &self.target)
    }

    /// keycard-reqwest: `transport.run(&generate).await?.into_result()?`.
    pub fn keycard_reqwest(&self) -> Token {
        self.minted();
        self.runtime
            .block_on(AsyncTransport::run(&self.keycard_reqwest, &self.generate))
            .expect("a response")
            .into_result()
            .expect("a token")
    }

    /// reqwest and serde_json by hand.
    pub fn hand_reqwest(&self) -> hand_fetch::Token {
        self.minted();
        self.runtime
            .block_on(hand_fetch::with_reqwest(&self.client, &self.target))
    }
}

/// keycard-ureq's agent configuration (`UreqTransport::new()`): 10 s to connect, 30 s in all, no
/// redirects, non-2xx statuses as responses.
fn keycard_ureq_config() -> ureq::config::Config {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .build()
}

/// ureq's resolver, except that an IP address is taken as it is. ureq's own resolves every
/// request's host (even over a pooled connection), on a new thread whenever a timeout is set.
#[derive(Debug, Default)]
struct InlineLiterals(ureq::unversioned::resolver::DefaultResolver);

impl ureq::unversioned::resolver::Resolver for InlineLiterals {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let literal = uri
            .host()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
            .and_then(|h| h.parse::<std::net::IpAddr>().ok());
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        match (literal, port) {
            (Some(ip), Some(port)) => {
                let mut addrs = self.empty();
                addrs.push(std::net::SocketAddr::new(ip, port));
                Ok(addrs)
            }
            _ => self.0.resolve(uri, config, timeout),
        }
    }
}
