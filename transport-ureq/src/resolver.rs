//! A resolver that does not start a thread per request.
//!
//! ureq 3 resolves the host on every request, pooled connection or not (it resolves before it
//! looks in the pool), and whenever a timeout applies (keycard-ureq always sets one) its
//! `DefaultResolver` does so on a newly spawned thread, to be able to give up at the timeout.
//! Under load that thread is most of a request's cost (1.5×–30× a hand-written client's).
//!
//! [`Resolver`] keeps the time bound and drops the thread from the common path:
//!
//! - an IP address in the URL is taken as it is (no lookup, no thread);
//! - a name is looked up with ureq's `DefaultResolver` (on its thread, bounded by the timeout
//!   that applies), and the addresses are kept for [`TTL`]; within it a request to the same host
//!   and port takes them from memory. Failures are not kept.
//!
//! Cached addresses only matter when a new connection is opened; a request over a pooled
//! connection never uses them. The TTL is short so that a host moving to new addresses is seen
//! within seconds.

use http::Uri;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use ureq::config::Config;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs};
use ureq::unversioned::transport::NextTimeout;

/// How long looked-up addresses are reused.
pub(crate) const TTL: Duration = Duration::from_secs(30);
/// At most this many host names are remembered (the cache is emptied when full).
const MAX_HOSTS: usize = 64;

/// Addresses of IP literals as they are, of names from a short-lived cache (see the module).
#[derive(Debug, Default)]
pub(crate) struct Resolver {
    lookup: DefaultResolver,
    cache: Mutex<HashMap<(String, u16), (Instant, ResolvedSocketAddrs)>>,
}

impl ureq::unversioned::resolver::Resolver for Resolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        let (Some(host), Some(port)) = (uri.host(), port) else {
            // No host, or a scheme ureq does not speak: let ureq say what is wrong.
            return self.lookup.resolve(uri, config, timeout);
        };
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = literal.parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = (host.to_ascii_lowercase(), port);
        let now = Instant::now();
        {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, addrs)) = cache.get(&key) {
                if now.duration_since(*at) < TTL {
                    return Ok(addrs.clone());
                }
            }
        }
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= MAX_HOSTS {
            cache.clear();
        }
        cache.insert(key, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::resolver::Resolver as _;

    fn resolve(resolver: &Resolver, uri: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let config = Config::default();
        let uri: Uri = uri.parse().expect("a URI");
        let addrs = resolver.resolve(&uri, &config, NextTimeout::default())?;
        Ok(addrs.iter().copied().collect())
    }

    #[test]
    fn ip_literals_are_taken_as_they_are() {
        let resolver = Resolver::default();
        assert_eq!(
            resolve(&resolver, "http://127.0.0.1:8080/x").unwrap(),
            ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            resolve(&resolver, "https://[::1]/x").unwrap(),
            ["[::1]:443".parse::<SocketAddr>().unwrap()]
        );
        assert!(resolver.cache.lock().unwrap().is_empty());
    }

    #[test]
    fn names_are_looked_up_once_per_ttl() {
        let resolver = Resolver::default();
        let first = resolve(&resolver, "http://localhost:9/x").expect("localhost resolves");
        assert!(!first.is_empty());
        assert_eq!(resolver.cache.lock().unwrap().len(), 1);
        assert_eq!(resolve(&resolver, "http://LOCALHOST:9/y").unwrap(), first);
        assert_eq!(resolver.cache.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_bad_uri_is_still_refused() {
        let resolver = Resolver::default();
        assert!(matches!(
            resolve(&resolver, "ftp://example.com/x"),
            Err(ureq::Error::BadUri(_))
        ));
    }
}
