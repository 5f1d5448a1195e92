//! Futures, streams and iterators over a port.

use crate::event::Event;
use crate::port::{Idle, MessagePort, RecvError, Run};
use futures_core::Stream;
use msgport_clone::Graph;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The future of [`MessagePort::recv`]; also a [`Stream`] of events that
/// ends when the port can receive nothing more.
///
/// Cancel safe: dropping it loses no message, and a wake-up it received
/// passes on to another receiver of the port.
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
    run: Run<T>,
    /// This future's entry in the port's waiter list, while it may be there.
    key: Option<u64>,
}

impl<'a, T> Recv<'a, T> {
    pub(crate) fn new(port: &'a MessagePort, run: Run<T>) -> Self {
        Recv {
            port,
            run,
            key: None,
        }
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<Event<T>, RecvError>> {
        let result = loop {
            match self.port.take_task(false) {
                Ok(Some(t)) => break Ok((self.run)(t)),
                Ok(None) => {}
                Err(e) => break Err(e),
            }
            let key = &mut self.key;
            match self
                .port
                .wait_or_retry(|w| *key = Some(w.renew(*key, cx.waker())))
            {
                Ok(Idle::Wait) => return Poll::Pending,
                Ok(Idle::Retry) => continue,
                Err(e) => break Err(e),
            }
        };
        if let Some(k) = self.key.take() {
            self.port.leave(k);
        }
        Poll::Ready(result)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(k) = self.key.take() {
            self.port.leave(k);
        }
    }
}

impl<T> Unpin for Recv<'_, T> {}

impl<T> Future for Recv<'_, T> {
    type Output = Result<Event<T>, RecvError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().poll_event(cx)
    }
}

impl<T> Stream for Recv<'_, T> {
    type Item = Event<T>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event<T>>> {
        self.get_mut().poll_event(cx).map(Result::ok)
    }
}

/// The blocking iterator of [`MessagePort::iter`]: yields events until the
/// port can receive nothing more.
pub struct Iter<'a, T = Graph> {
    port: &'a MessagePort,
    run: Run<T>,
}

impl<'a, T> Iter<'a, T> {
    pub(crate) fn new(port: &'a MessagePort, run: Run<T>) -> Self {
        Iter { port, run }
    }
}

impl<T> Iterator for Iter<'_, T> {
    type Item = Event<T>;
    fn next(&mut self) -> Option<Event<T>> {
        self.port.blocking_task().ok().map(self.run)
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
