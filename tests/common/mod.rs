//! Shared by the integration tests: an emulator, the APIs pointed at it, and both transports
//! behind one small interface so that every test runs through each of them.
#![allow(dead_code)] // each test file uses a part

use keycard::voucherify::{self, Credentials};
use keycard::{exact, ApiKey, BaseUrl, SecretKey};
use keycard_emulator::Emulator;
use std::time::Duration;
#[cfg(all(feature = "ureq", feature = "reqwest"))]
#[allow(unused_imports)] // each test file uses a part
pub use via::{Failure, Kind, Via};

/// The timeout of the test transports: short, so a stall shows quickly.
pub const TIMEOUT: Duration = Duration::from_secs(2);
/// The body cap of the test transports.
pub const CAP: usize = 64 * 1024;

pub fn emulator() -> Emulator {
    Emulator::start().expect("the emulator starts")
}

pub fn voucherify(emu: &Emulator) -> voucherify::Api {
    voucherify_with_secret(emu, emu.voucherify_secret_key())
}

pub fn voucherify_with_secret(emu: &Emulator, secret: &str) -> voucherify::Api {
    voucherify::Api::new(
        BaseUrl::parse(&emu.voucherify_url()).unwrap(),
        Credentials::new(emu.voucherify_app_id(), SecretKey::new(secret)).unwrap(),
    )
}

pub fn exact(emu: &Emulator) -> exact::Api {
    exact_with_key(emu, emu.exact_api_key())
}

pub fn exact_with_key(emu: &Emulator, key: &str) -> exact::Api {
    exact::Api::new(BaseUrl::parse(&emu.exact_url()).unwrap(), ApiKey::new(key)).unwrap()
}

pub fn exact_base(emu: &Emulator) -> BaseUrl {
    BaseUrl::parse(&emu.exact_url()).unwrap()
}

/// Both transports behind one interface (only with both features).
#[cfg(all(feature = "ureq", feature = "reqwest"))]
mod via {
    use super::{CAP, TIMEOUT};
    use keycard::reqwest::ReqwestTransport;
    use keycard::ureq::UreqTransport;
    use keycard::{AsyncTransport, Operation, RunError, Transport, TransportError};

    /// What kind of transport error came back: one vocabulary for both transports.
    pub use keycard::TransportErrorKind as Kind;

    /// A transport error, with its kind and its whole text (`Display` and `Debug`).
    #[derive(Debug)]
    pub struct Failure {
        pub kind: Kind,
        pub text: String,
        pub url: String,
    }

    impl From<TransportError> for Failure {
        fn from(e: TransportError) -> Self {
            Failure {
                kind: e.kind(),
                text: format!("{e} / {e:?}"),
                url: e.url().to_owned(),
            }
        }
    }

    /// One of the two transports.
    pub enum Via {
        Ureq(UreqTransport),
        Reqwest(ReqwestTransport, tokio::runtime::Runtime),
    }

    impl Via {
        /// Both transports, with [`TIMEOUT`] and [`CAP`].
        pub fn both() -> [Via; 2] {
            [Self::ureq(), Self::reqwest()]
        }

        pub fn ureq() -> Via {
            Via::Ureq(
                UreqTransport::builder()
                    .connect_timeout(TIMEOUT)
                    .timeout(TIMEOUT)
                    .max_body_size(CAP)
                    .build(),
            )
        }

        pub fn reqwest() -> Via {
            let transport = ReqwestTransport::builder()
                .connect_timeout(TIMEOUT)
                .timeout(TIMEOUT)
                .max_body_size(CAP)
                .build()
                .expect("the client builds");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            Via::Reqwest(transport, runtime)
        }

        pub fn name(&self) -> &'static str {
            match self {
                Via::Ureq(_) => "ureq",
                Via::Reqwest(..) => "reqwest",
            }
        }

        /// Runs `op`: its parsed outcome, or what the transport reported. A parse error panics.
        pub fn run<O>(&self, op: &O) -> Result<O::Output, Failure>
        where
            O: Operation + Sync,
            O::Error: std::fmt::Debug,
        {
            let result = match self {
                Via::Ureq(t) => t.run(op),
                Via::Reqwest(t, rt) => rt.block_on(t.run(op)),
            };
            result.map_err(|e| match e {
                RunError::Transport(e) => Failure::from(e),
                RunError::Parse(p) => panic!("{}: parse error {p:?}", self.name()),
                other => panic!("{}: {other:?}", self.name()),
            })
        }

        /// Sends one request as is: the whole response, or what the transport reported.
        pub fn send(
            &self,
            request: http::Request<Vec<u8>>,
        ) -> Result<http::Response<Vec<u8>>, Failure> {
            match self {
                Via::Ureq(t) => Transport::send(t, request).map_err(Failure::from),
                Via::Reqwest(t, rt) => rt
                    .block_on(AsyncTransport::send(t, request))
                    .map_err(Failure::from),
            }
        }

        /// Runs `op` and expects a transport error.
        pub fn fail<O>(&self, op: &O) -> Failure
        where
            O: Operation + Sync,
            O::Output: std::fmt::Debug,
            O::Error: std::fmt::Debug,
        {
            match self.run(op) {
                Ok(out) => panic!("{}: expected a transport error, got {out:?}", self.name()),
                Err(f) => f,
            }
        }

        /// Runs `op` and expects an outcome.
        pub fn ok<O>(&self, op: &O) -> O::Output
        where
            O: Operation + Sync,
            O::Error: std::fmt::Debug,
        {
            match self.run(op) {
                Ok(out) => out,
                Err(f) => panic!("{}: transport error {f:?}", self.name()),
            }
        }
    }
}

/// The emulator's clock as a token source's: `wall()` is the emulator's time, and `now()` a
/// monotonic reading that moves with it (advancing the emulator moves both).
#[derive(Clone)]
pub struct EmuClock {
    clock: keycard_emulator::Clock,
    start: (std::time::Instant, std::time::SystemTime),
}

impl EmuClock {
    /// Every `EmuClock` of the process shares one anchor, so their instants compare.
    pub fn new(emu: &Emulator) -> Self {
        static ANCHOR: std::sync::OnceLock<(std::time::Instant, std::time::SystemTime)> =
            std::sync::OnceLock::new();
        let start = *ANCHOR.get_or_init(|| {
            (
                std::time::Instant::now() + Duration::from_secs(3600),
                std::time::SystemTime::now() + Duration::from_secs(3600),
            )
        });
        EmuClock {
            clock: emu.clock().clone(),
            start,
        }
    }
}

impl keycard::Clock for EmuClock {
    fn now(&self) -> std::time::Instant {
        match self.clock.now().duration_since(self.start.1) {
            Ok(ahead) => self.start.0 + ahead,
            Err(behind) => self.start.0 - behind.duration(),
        }
    }

    fn wall(&self) -> std::time::SystemTime {
        self.clock.now()
    }
}
