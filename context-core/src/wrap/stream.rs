use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use pin_project_lite::pin_project;

use crate::frame::OwnedFrame;
use crate::snapshot::Snapshot;

pin_project! {
    /// A [`Stream`] that runs every `poll_next` in a frame of its own.
    ///
    /// Values set while producing one item are seen when producing the next
    /// item of the same stream, and by no one else.
    ///
    /// ```
    /// use context_core::{ContextLocal, IsolatedStream};
    /// use futures::StreamExt;
    ///
    /// static CTX: ContextLocal = ContextLocal::new();
    ///
    /// let counter = IsolatedStream::new(futures::stream::repeat_with(|| {
    ///     let n = CTX.get::<u32>("n").unwrap_or(0) + 1;
    ///     CTX.set("n", n);
    ///     n
    /// }));
    /// let items: Vec<u32> = futures::executor::block_on(counter.take(3).collect());
    /// assert_eq!(items, [1, 2, 3]);
    /// assert_eq!(CTX.get::<u32>("n"), None);
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct IsolatedStream<S> {
        frame: OwnedFrame,
        #[pin]
        inner: Option<S>,
    }

    impl<S> PinnedDrop for IsolatedStream<S> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let mut inner = this.inner;
            if inner.is_some() {
                this.frame.step(|| inner.set(None));
            }
        }
    }
}

impl<S: Stream> IsolatedStream<S> {
    /// Wraps `inner` in a frame holding a copy of the current context.
    ///
    /// ```
    /// # use context_core::IsolatedStream;
    /// # use futures::StreamExt;
    /// let s = IsolatedStream::new(futures::stream::iter([1, 2]));
    /// assert_eq!(futures::executor::block_on(s.collect::<Vec<_>>()), [1, 2]);
    /// ```
    pub fn new(inner: S) -> Self {
        Self::with_snapshot(Snapshot::current(), inner)
    }

    /// Wraps `inner` in a frame holding a copy of `snapshot`.
    ///
    /// ```
    /// # use context_core::{IsolatedStream, Snapshot};
    /// # use futures::StreamExt;
    /// let s = IsolatedStream::with_snapshot(Snapshot::empty(), futures::stream::iter([1]));
    /// assert_eq!(futures::executor::block_on(s.count()), 1);
    /// ```
    pub fn with_snapshot(snapshot: Snapshot, inner: S) -> Self {
        Self::from_frame(OwnedFrame::new(snapshot.into_context()), inner)
    }

    pub(crate) fn from_frame(frame: OwnedFrame, inner: S) -> Self {
        IsolatedStream {
            frame,
            inner: Some(inner),
        }
    }
}

impl<S: Stream> Stream for IsolatedStream<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let inner = this.inner;
        this.frame.step(|| match inner.as_pin_mut() {
            Some(stream) => stream.poll_next(cx),
            None => unreachable!("the inner stream is only taken out by `Drop`"),
        })
    }

    /// Forwarded without installing the frame (`size_hint` takes `&self`).
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.as_ref().map_or((0, Some(0)), Stream::size_hint)
    }
}

impl<S> fmt::Debug for IsolatedStream<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IsolatedStream")
            .field("frame", &self.frame)
            .finish_non_exhaustive()
    }
}
