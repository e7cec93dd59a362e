//! Sorts ureq's errors into keycard's [`TransportError`] vocabulary.

use keycard_core::{TransportError, TransportErrorKind as Kind};
use std::io;

/// Sorts a ureq error from a request to `uri`.
pub(crate) fn from_ureq(uri: &http::Uri, error: ureq::Error) -> TransportError {
    use ureq::Error as U;
    let error = match error {
        U::Io(io) => return from_io(uri, io),
        other => other,
    };
    let kind = match &error {
        // These two carry the whole URI, user info and query included: say what is wrong
        // without it.
        U::BadUri(_) => {
            let detail = "the URL has no scheme, an unknown one, or no host";
            return TransportError::new(Kind::InvalidRequest, uri, detail);
        }
        U::RequireHttpsOnly(_) => {
            let detail = "the agent is configured for https only";
            return TransportError::new(Kind::InvalidRequest, uri, detail);
        }
        U::Timeout(_) => Kind::Timeout,
        U::HostNotFound | U::ConnectionFailed | U::ConnectProxyFailed(_) => Kind::Connect,
        U::Tls(_) | U::Rustls(_) | U::Pem(_) | U::TlsRequired => Kind::Tls,
        U::Protocol(_) | U::LargeResponseHeader(..) | U::Decompress(..) | U::BodyStalled => {
            Kind::Protocol
        }
        U::Http(_) | U::InvalidProxyUrl => Kind::InvalidRequest,
        _ => Kind::Other,
    };
    TransportError::new(kind, uri, error.to_string())
}

/// Sorts an I/O error, which may carry a ureq error (body reads) or a rustls error (TLS).
pub(crate) fn from_io(uri: &http::Uri, io: io::Error) -> TransportError {
    if io.get_ref().is_some_and(|inner| inner.is::<ureq::Error>()) {
        return match ureq::Error::from(io) {
            ureq::Error::Io(io) => from_plain_io(uri, io),
            other => from_ureq(uri, other),
        };
    }
    if wraps_rustls(&io) {
        return TransportError::new(Kind::Tls, uri, io.to_string());
    }
    from_plain_io(uri, io)
}

fn from_plain_io(uri: &http::Uri, io: io::Error) -> TransportError {
    use io::ErrorKind as K;
    let kind = match io.kind() {
        K::TimedOut | K::WouldBlock => Kind::Timeout,
        K::ConnectionRefused | K::AddrNotAvailable | K::NotFound => Kind::Connect,
        K::InvalidData => Kind::Protocol,
        _ => Kind::Io,
    };
    TransportError::new(kind, uri, io.to_string())
}

/// Whether a (possibly nested) `io::Error` carries a rustls error.
fn wraps_rustls(io: &io::Error) -> bool {
    match io.get_ref() {
        Some(inner) if inner.is::<rustls::Error>() => true,
        Some(inner) => inner.downcast_ref::<io::Error>().is_some_and(wraps_rustls),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_that_carry_the_whole_uri_do_not_repeat_it() {
        let text = "http://user:s3cr3t@api.example/v1/oauth/token?key=s3cr3t";
        let uri: http::Uri = text.parse().expect("a URI");
        for error in [
            ureq::Error::BadUri(format!("{text} is missing host")),
            ureq::Error::RequireHttpsOnly(text.to_owned()),
        ] {
            let error = from_ureq(&uri, error);
            assert_eq!(error.kind(), Kind::InvalidRequest);
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
    }
}
