use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::frame::OwnedFrame;
use crate::snapshot::Snapshot;

pin_project! {
    /// A future that runs every poll in a frame of its own.
    ///
    /// Created by [`IsolatedFuture::new`] (a copy of the current context),
    /// [`IsolatedFuture::with_snapshot`], [`isolate`](crate::prelude::FutureIsolateExt::isolate)
    /// or an `#[isolated]` async fn. Values the future sets persist across its
    /// `.await`s, and never reach the task that polls it or any other future.
    ///
    /// The wrapper is `Send` when the inner future is, so it can be spawned
    /// on a multi-thread runtime: the frame travels with the future.
    ///
    /// ```
    /// use context_core::{ContextLocal, IsolatedFuture};
    ///
    /// static CTX: ContextLocal = ContextLocal::new();
    ///
    /// # futures::executor::block_on(async {
    /// CTX.set("user", "ann");
    /// let fut = IsolatedFuture::new(async {
    ///     assert_eq!(CTX.get::<&str>("user"), Some("ann")); // captured at creation
    ///     CTX.set("user", "bob");
    ///     std::future::ready(()).await;
    ///     CTX.get::<&str>("user") // still its own value after the await
    /// });
    /// assert_eq!(fut.await, Some("bob"));
    /// assert_eq!(CTX.get::<&str>("user"), Some("ann")); // the caller is untouched
    /// # });
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct IsolatedFuture<F> {
        frame: OwnedFrame,
        // `None` only while the wrapper is being dropped: the inner future is
        // dropped first, inside the frame.
        #[pin]
        inner: Option<F>,
    }

    impl<F> PinnedDrop for IsolatedFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let mut inner = this.inner;
            if inner.is_some() {
                this.frame.step(|| inner.set(None));
            }
        }
    }
}

impl<F: Future> IsolatedFuture<F> {
    /// Wraps `inner` in a frame holding a copy of the current context.
    ///
    /// ```
    /// # use context_core::IsolatedFuture;
    /// let fut = IsolatedFuture::new(async { 1 });
    /// assert_eq!(futures::executor::block_on(fut), 1);
    /// ```
    pub fn new(inner: F) -> Self {
        Self::with_snapshot(Snapshot::current(), inner)
    }

    /// Wraps `inner` in a frame holding a copy of `snapshot`.
    ///
    /// ```
    /// # use context_core::{ContextLocal, IsolatedFuture, Snapshot};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("k", 1_u8);
    /// let fut = IsolatedFuture::with_snapshot(Snapshot::empty(), async { CTX.get::<u8>("k") });
    /// assert_eq!(futures::executor::block_on(fut), None);
    /// ```
    pub fn with_snapshot(snapshot: Snapshot, inner: F) -> Self {
        Self::from_frame(OwnedFrame::new(snapshot.into_context()), inner)
    }

    pub(crate) fn from_frame(frame: OwnedFrame, inner: F) -> Self {
        IsolatedFuture {
            frame,
            inner: Some(inner),
        }
    }
}

impl<F: Future> Future for IsolatedFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let inner = this.inner;
        this.frame.step(|| match inner.as_pin_mut() {
            Some(fut) => fut.poll(cx),
            None => unreachable!("the inner future is only taken out by `Drop`"),
        })
    }
}

impl<F> fmt::Debug for IsolatedFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IsolatedFuture")
            .field("frame", &self.frame)
            .finish_non_exhaustive()
    }
}
