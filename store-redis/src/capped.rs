//! A connection to one Redis that refuses a reply past a size: what a hostile or broken server
//! can make the store read (and keep in memory) is bounded.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A stream that fails reading once more than `cap` bytes came since the last write. Redis
/// only answers requests, so what arrives between two writes is the replies to the commands
/// in flight: with a few of them, each at most a stored token, less than the cap.
pub(crate) struct CappedStream<S> {
    inner: S,
    cap: usize,
    read_since_write: usize,
}

impl<S> CappedStream<S> {
    /// `inner`, failing once more than `cap` bytes were read without a write between.
    pub(crate) fn new(inner: S, cap: usize) -> Self {
        Self {
            inner,
            cap,
            read_since_write: 0,
        }
    }
}

/// Redis sent more than the cap without being asked: the error inside the `io::Error` a read
/// fails with (found again by [`is_too_large`]).
#[derive(Debug)]
pub(crate) struct ReplyTooLarge {
    cap: usize,
}

impl fmt::Display for ReplyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Redis sent more than {} bytes in reply to one write",
            self.cap
        )
    }
}

impl std::error::Error for ReplyTooLarge {}

/// Whether `error`, or an error it wraps, is a [`ReplyTooLarge`].
pub(crate) fn is_too_large(error: &(dyn std::error::Error + 'static)) -> bool {
    crate::error::any_cause(error, &|e| e.is::<ReplyTooLarge>())
}

impl<S: AsyncRead + Unpin> AsyncRead for CappedStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.read_since_write > self.cap {
            return Poll::Ready(Err(io::Error::other(ReplyTooLarge { cap: self.cap })));
        }
        let before = buf.filled().len();
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let read = buf.filled().len() - before;
            this.read_since_write = this.read_since_write.saturating_add(read);
            if this.read_since_write > this.cap {
                // What came is dropped with the connection: none of it is parsed.
                buf.set_filled(before);
                return Poll::Ready(Err(io::Error::other(ReplyTooLarge { cap: this.cap })));
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for CappedStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(written)) = polled {
            if written > 0 {
                this.read_since_write = 0;
            }
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn more_than_the_cap_between_two_writes_fails_and_a_write_starts_anew() {
        let (client, mut server) = tokio::io::duplex(64);
        let mut capped = CappedStream::new(client, 10);
        capped.write_all(b"GET").await.unwrap();
        server.write_all(b"0123456789").await.unwrap();
        let mut buf = [0u8; 10];
        capped.read_exact(&mut buf).await.unwrap();
        capped.write_all(b"GET").await.unwrap();
        server.write_all(b"0123456789x").await.unwrap();
        let mut buf = [0u8; 11];
        let error = capped.read_exact(&mut buf).await.unwrap_err();
        let inner = error.get_ref().expect("the cause");
        assert!(is_too_large(inner), "{error}");
        assert!(capped.read(&mut buf).await.is_err(), "it stays failed");
    }
}
