use std::future::Future;

use futures_core::Stream;

use super::{IsolatedFuture, IsolatedIter, IsolatedStream};

/// `.isolate()` for any future: wrap it in a frame holding a copy of the
/// current context ([`IsolatedFuture::new`]).
///
/// ```
/// use context_core::prelude::*;
/// # futures::executor::block_on(async {
/// assert_eq!(async { 1 }.isolate().await, 1);
/// # });
/// ```
pub trait FutureIsolateExt: Future + Sized {
    /// See [`IsolatedFuture::new`].
    fn isolate(self) -> IsolatedFuture<Self> {
        IsolatedFuture::new(self)
    }
}

impl<F: Future> FutureIsolateExt for F {}

/// `.isolate_stream()` for any stream ([`IsolatedStream::new`]).
///
/// ```
/// use context_core::prelude::*;
/// use futures::StreamExt;
/// let s = futures::stream::iter([1, 2]).isolate_stream();
/// assert_eq!(futures::executor::block_on(s.collect::<Vec<_>>()), [1, 2]);
/// ```
pub trait StreamIsolateExt: Stream + Sized {
    /// See [`IsolatedStream::new`].
    fn isolate_stream(self) -> IsolatedStream<Self> {
        IsolatedStream::new(self)
    }
}

impl<S: Stream> StreamIsolateExt for S {}

/// `.isolate_iter()` for any iterator ([`IsolatedIter::new`]). The names
/// differ on purpose: one type may be both a future and an iterator.
///
/// ```
/// use context_core::prelude::*;
/// assert_eq!((0..3).isolate_iter().rev().collect::<Vec<_>>(), [2, 1, 0]);
/// ```
pub trait IteratorIsolateExt: Iterator + Sized {
    /// See [`IsolatedIter::new`].
    fn isolate_iter(self) -> IsolatedIter<Self> {
        IsolatedIter::new(self)
    }
}

impl<I: Iterator> IteratorIsolateExt for I {}
