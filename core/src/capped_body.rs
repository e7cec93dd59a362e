//! For transport authors: a response body read under a cap, and the checks of the headers every
//! keycard transport makes (their number and size, `Transfer-Encoding`), so that all of them
//! behave the same.

use crate::limits::{MAX_RESPONSE_HEADERS, MAX_RESPONSE_HEADER_BYTES};
use http::HeaderMap;

/// How much a body buffer starts with when the body's length is not known in advance.
const INITIAL: usize = 8 * 1024;

/// A response body being collected, refused once it would pass `cap` bytes (counted after
/// decompression when it is written through a decoder: it implements [`std::io::Write`]).
///
/// The buffer never holds much more than the body: it is sized from a declared length when
/// there is one (at most the cap); otherwise it doubles up to an eighth of the cap, and past that
/// goes straight to the cap. Growing copies the old buffer into the new one, so the heap peaks at
/// 1.125 × the cap (an eighth of it being copied into the whole of it), rather than at 1.5 × with
/// plain doubling (half the cap copied into all of it), or more once a doubling overshoots.
#[derive(Debug)]
pub struct CappedBody {
    bytes: Vec<u8>,
    cap: usize,
    overflowed: bool,
}

impl CappedBody {
    /// An empty body; `declared` is the length the response announced, if it did (and if that
    /// is the length of the bytes that will be collected, i.e. nothing is decompressed).
    pub fn new(cap: usize, declared: Option<u64>) -> Self {
        let initial = match declared {
            Some(length) if length <= cap as u64 => length as usize,
            _ => INITIAL.min(cap),
        };
        Self {
            bytes: Vec::with_capacity(initial),
            cap,
            overflowed: false,
        }
    }

    /// Appends `data`, or refuses it (keeping nothing of it) if the body would pass the cap.
    pub fn extend(&mut self, data: &[u8]) -> Result<(), BodyTooLarge> {
        if data.len() > self.cap - self.bytes.len() {
            self.overflowed = true;
            return Err(BodyTooLarge);
        }
        let needed = self.bytes.len() + data.len();
        if needed > self.bytes.capacity() {
            let eighth = self.cap / 8;
            let target = if needed <= eighth {
                (self.bytes.capacity() * 2).clamp(needed, eighth)
            } else {
                self.cap
            };
            self.bytes.reserve_exact(target - self.bytes.len());
        }
        self.bytes.extend_from_slice(data);
        Ok(())
    }

    /// Whether a write was refused for passing the cap.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// The body.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// The body would pass the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the body passes the cap")]
pub struct BodyTooLarge;

impl std::io::Write for CappedBody {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.extend(data)
            .map(|()| data.len())
            .map_err(std::io::Error::other)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Why the response's `Transfer-Encoding` cannot be read, if it cannot: anything but `chunked`
/// alone (an unknown coding, or `gzip`/`deflate`/`compress` before `chunked`, which neither
/// keycard transport decodes) is refused rather than handed on as if the bytes were the body.
pub fn unreadable_transfer_coding(headers: &HeaderMap) -> Option<String> {
    let mut codings = headers
        .get_all(http::header::TRANSFER_ENCODING)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&b| b == b','))
        .map(|coding| coding.trim_ascii())
        .filter(|coding| !coding.is_empty());
    match (codings.next(), codings.next()) {
        (None, _) => None,
        (Some(coding), None) if coding.eq_ignore_ascii_case(b"chunked") => None,
        _ => {
            let all: Vec<_> = headers
                .get_all(http::header::TRANSFER_ENCODING)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            Some(format!(
                "the response's transfer coding {:?} is not `chunked` alone, the only one read",
                all.join(", ")
            ))
        }
    }
}

/// Why the response's headers are refused, if they are: more than [`MAX_RESPONSE_HEADERS`]
/// fields, or more than [`MAX_RESPONSE_HEADER_BYTES`] bytes, each field counted as on the wire
/// (`name: value` and a line break).
///
/// HTTP libraries bound the header section themselves, each differently (ureq at 64 KiB and 128
/// fields, hyper at about 400 KiB and 100 fields) and a client the caller configured as it was
/// told: checking the headers received makes every transport refuse the same responses.
pub fn headers_past_limits(headers: &HeaderMap) -> Option<String> {
    if headers.len() > MAX_RESPONSE_HEADERS {
        return Some(format!(
            "the response has {} header fields, more than the {MAX_RESPONSE_HEADERS} read",
            headers.len()
        ));
    }
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (bytes > MAX_RESPONSE_HEADER_BYTES).then(|| {
        format!(
            "the response's header fields take {bytes} bytes, more than the \
             {MAX_RESPONSE_HEADER_BYTES} read"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_refused_past_their_number_or_size() {
        let name = |i: usize| http::HeaderName::try_from(format!("x-{i}")).unwrap();
        let mut headers = HeaderMap::new();
        for i in 0..MAX_RESPONSE_HEADERS {
            headers.insert(name(i), http::HeaderValue::from_static("v"));
        }
        assert_eq!(headers_past_limits(&headers), None);
        // A repeated field counts once per value.
        headers.append(name(0), http::HeaderValue::from_static("w"));
        assert!(headers_past_limits(&headers).is_some());

        let mut headers = HeaderMap::new();
        // `x-a: <value>` and a line break: exactly the limit, then one byte over.
        let value = "v".repeat(MAX_RESPONSE_HEADER_BYTES - "x-a".len() - 4);
        headers.insert("x-a", http::HeaderValue::try_from(value.as_str()).unwrap());
        assert_eq!(headers_past_limits(&headers), None);
        headers.insert("x-b", http::HeaderValue::from_static(""));
        let refused = headers_past_limits(&headers).expect("over the limit");
        assert!(!refused.contains("vvv"), "{refused}");
    }

    #[test]
    fn the_buffer_never_outgrows_the_cap_and_refuses_past_it() {
        let cap = 1 << 20;
        let mut body = CappedBody::new(cap, None);
        let chunk = vec![7u8; 10_000];
        while body.extend(&chunk).is_ok() {
            assert!(body.bytes.capacity() <= cap);
        }
        assert!(body.overflowed());
        assert_eq!(body.bytes.len(), cap / 10_000 * 10_000);
        body.extend(&chunk[..cap - body.bytes.len()])
            .expect("up to the cap");
        assert_eq!(body.into_bytes().len(), cap);

        let mut exact = CappedBody::new(cap, Some(5));
        exact.extend(b"12345").expect("the declared length");
        assert_eq!(exact.bytes.capacity(), 5);
    }

    #[test]
    fn only_chunked_alone_is_read() {
        let with = |values: &[&'static str]| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append(
                    http::header::TRANSFER_ENCODING,
                    http::HeaderValue::from_static(v),
                );
            }
            unreadable_transfer_coding(&headers)
        };
        assert!(with(&[]).is_none());
        assert!(with(&["chunked"]).is_none());
        assert!(with(&[" Chunked "]).is_none());
        assert!(with(&["x-unknown"]).is_some());
        assert!(with(&["gzip, chunked"]).is_some());
        assert!(with(&["gzip", "chunked"]).is_some());
        assert!(with(&["chunked, chunked"]).is_some());
        assert!(with(&["identity"]).is_some());
    }
}
