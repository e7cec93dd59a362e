//! Drives an application token rotation ([`Rotation`], sans-IO in keycard-core) over a
//! transport: one loop, awaited by the async driver and run in place by the blocking one.

use crate::block_on::block_on;
use keycard_core::exact::{ApplicationToken, Rotated, Rotation, RotationError, RotationStep};
use keycard_core::{AsyncTransport, Transport, TransportError};
use std::future::Future;

/// Rotates an Exact Payments application token over a blocking `transport`: creates the new
/// token, verifies it, calls `switch` with it (put it wherever the old one is used, e.g.
/// [`TokenSource::replace_endpoint`](crate::TokenSource::replace_endpoint)), then deletes the
/// old one. A failure names the token that works ([`RotationError::working_id`]).
pub fn rotate_application_token<T: Transport>(
    transport: &T,
    rotation: Rotation,
    switch: impl FnMut(&ApplicationToken),
) -> Result<Rotated, RotationError> {
    block_on(drive(
        rotation,
        |request| std::future::ready(transport.send(request)),
        switch,
    ))
}

/// [`rotate_application_token`] over an async `transport`.
pub async fn rotate_application_token_async<T: AsyncTransport>(
    transport: &T,
    rotation: Rotation,
    switch: impl FnMut(&ApplicationToken),
) -> Result<Rotated, RotationError> {
    drive(rotation, |request| transport.send(request), switch).await
}

/// The one loop: perform each step the rotation hands out.
async fn drive<F, S>(
    mut rotation: Rotation,
    send: S,
    mut switch: impl FnMut(&ApplicationToken),
) -> Result<Rotated, RotationError>
where
    S: Fn(http::Request<Vec<u8>>) -> F,
    F: Future<Output = Result<http::Response<Vec<u8>>, TransportError>>,
{
    let mut step = rotation.start();
    loop {
        step = match step {
            RotationStep::Send(request) => rotation.on_response(send(request).await),
            RotationStep::Switch(new) => {
                switch(&new);
                rotation.switched()
            }
            RotationStep::Done(rotated) => return Ok(rotated),
            RotationStep::Failed(error) => return Err(error),
            // A step this driver does not know: stop with the token in use named.
            _ => {
                return Err(RotationError::OutOfOrder {
                    working_id: rotation.old_id().to_owned(),
                })
            }
        };
    }
}
