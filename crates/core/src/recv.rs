//! Futures and streams over a port.

use crate::event::Event;
use crate::port::{MessagePort, Owner, RecvError};
use futures_core::Stream;
use msgport_clone::{CloneError, Graph, TransferredBuffer};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

type Decode<T> = fn(&[u8], Vec<TransferredBuffer>, usize) -> Result<T, CloneError>;

/// The future of [`MessagePort::recv`]; also a [`Stream`] of events that
/// ends when the port can receive nothing more.
///
/// ```
/// use futures::StreamExt;
/// let ch = msgport::MessageChannel::new();
/// ch.port1.post(&1).unwrap();
/// ch.port1.post(&2).unwrap();
/// drop(ch.port1); // closes: the stream ends after the close event
/// let events: Vec<_> = futures::executor::block_on(ch.port2.recv_as::<i32>().collect());
/// assert_eq!(events.len(), 3);
/// ```
pub struct Recv<'a, T> {
    port: &'a MessagePort,
    decode: Decode<T>,
}

impl<'a, T> Recv<'a, T> {
    pub(crate) fn new(port: &'a MessagePort, decode: Decode<T>) -> Self {
        Recv { port, decode }
    }

    fn poll_event(&self, cx: &mut Context<'_>) -> Poll<Result<Event<T>, RecvError>> {
        match self.port.take_task(false) {
            Ok(Some(t)) => return Poll::Ready(Ok(MessagePort::run_task(t, self.decode))),
            Ok(None) => {}
            Err(e) => return Poll::Ready(Err(e)),
        }
        self.port.set_owner(Owner::Waker(cx.waker().clone()));
        // A task may have arrived before the waker was registered.
        match self.port.take_task(false) {
            Ok(Some(t)) => Poll::Ready(Ok(MessagePort::run_task(t, self.decode))),
            Ok(None) => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl<T> Future for Recv<'_, T> {
    type Output = Result<Event<T>, RecvError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll_event(cx)
    }
}

impl<T> Stream for Recv<'_, T> {
    type Item = Event<T>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event<T>>> {
        self.poll_event(cx).map(Result::ok)
    }
}

impl MessagePort {
    /// A [`Stream`] of this port's events (starts the queue).
    pub fn stream(&self) -> Recv<'_, Graph> {
        self.recv()
    }
}

/// The future of [`MessagePort::ready`].
pub struct Ready<'a> {
    pub(crate) port: &'a MessagePort,
}

impl Future for Ready<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.port.poll_ready(cx) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}
