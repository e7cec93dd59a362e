//! Which request bodies can be sent twice.

use bytes::Bytes;
use http_body_util::combinators::{BoxBody, UnsyncBoxBody};
use http_body_util::{Either, Empty, Full, StreamBody};

/// A request body that may be copied, so that the request can be replayed after a 401.
///
/// A copy is made only when it needs no reading: a body that is already in memory (`Full`,
/// `Empty`, `Bytes`, `String`, `Vec<u8>`, static slices) is copied (a reference count for
/// `Bytes`-backed bodies, the bytes the request already holds for `String` and `Vec<u8>`), so
/// the replay costs at most the body's own size. A stream (`StreamBody`, a boxed body) is never
/// copied nor buffered, so a request with one is never replayed. Implement it for a body type
/// of your own.
pub trait ReplayBody: Sized {
    /// A copy of the body, if one can be made without reading it.
    fn try_clone(&self) -> Option<Self>;
}

impl<D: Clone> ReplayBody for Full<D> {
    fn try_clone(&self) -> Option<Self> {
        Some(self.clone())
    }
}

impl<D> ReplayBody for Empty<D> {
    fn try_clone(&self) -> Option<Self> {
        Some(Empty::new())
    }
}

macro_rules! replayed_by_clone {
    ($($body:ty),*) => {$(
        impl ReplayBody for $body {
            fn try_clone(&self) -> Option<Self> {
                Some(self.clone())
            }
        }
    )*};
}

replayed_by_clone!(Bytes, String, Vec<u8>, &'static str, &'static [u8]);

impl<L: ReplayBody, R: ReplayBody> ReplayBody for Either<L, R> {
    fn try_clone(&self) -> Option<Self> {
        match self {
            Either::Left(body) => body.try_clone().map(Either::Left),
            Either::Right(body) => body.try_clone().map(Either::Right),
        }
    }
}

impl<D, E> ReplayBody for BoxBody<D, E> {
    fn try_clone(&self) -> Option<Self> {
        None
    }
}

impl<D, E> ReplayBody for UnsyncBoxBody<D, E> {
    fn try_clone(&self) -> Option<Self> {
        None
    }
}

impl<S> ReplayBody for StreamBody<S> {
    fn try_clone(&self) -> Option<Self> {
        None
    }
}
