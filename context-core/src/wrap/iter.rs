use std::fmt;
use std::iter::FusedIterator;

use crate::frame::OwnedFrame;
use crate::snapshot::Snapshot;

/// An iterator that runs every `next` / `next_back` in a frame of its own.
///
/// Values set while producing one item are seen when producing the next item
/// of the same iterator, and by no one else — interleaved iterators each keep
/// their own values, like Python generators under extracontext.
///
/// Forwards `size_hint`, [`DoubleEndedIterator`], [`ExactSizeIterator`] and
/// [`FusedIterator`]. `size_hint` and `len` take `&self` and run without the
/// frame installed.
///
/// ```
/// use context_core::{ContextLocal, IsolatedIter};
///
/// static CTX: ContextLocal = ContextLocal::new();
///
/// fn counter() -> IsolatedIter<impl Iterator<Item = u32>> {
///     IsolatedIter::new(std::iter::repeat_with(|| {
///         let n = CTX.get::<u32>("n").unwrap_or(0) + 1;
///         CTX.set("n", n);
///         n
///     }))
/// }
///
/// let (mut a, mut b) = (counter(), counter());
/// assert_eq!([a.next(), a.next(), b.next(), a.next()], [Some(1), Some(2), Some(1), Some(3)]);
/// assert_eq!(CTX.get::<u32>("n"), None);
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct IsolatedIter<I> {
    frame: OwnedFrame,
    // `None` only while being dropped: the inner iterator is dropped first,
    // inside the frame.
    inner: Option<I>,
}

impl<I: Iterator> IsolatedIter<I> {
    /// Wraps `inner` in a frame holding a copy of the current context.
    ///
    /// ```
    /// # use context_core::IsolatedIter;
    /// assert_eq!(IsolatedIter::new(0..3).sum::<i32>(), 3);
    /// ```
    pub fn new(inner: I) -> Self {
        Self::with_snapshot(Snapshot::current(), inner)
    }

    /// Wraps `inner` in a frame holding a copy of `snapshot`.
    ///
    /// ```
    /// # use context_core::{IsolatedIter, Snapshot};
    /// assert_eq!(IsolatedIter::with_snapshot(Snapshot::empty(), 0..3).len(), 3);
    /// ```
    pub fn with_snapshot(snapshot: Snapshot, inner: I) -> Self {
        Self::from_frame(OwnedFrame::new(snapshot.into_context()), inner)
    }

    pub(crate) fn from_frame(frame: OwnedFrame, inner: I) -> Self {
        IsolatedIter {
            frame,
            inner: Some(inner),
        }
    }
}

impl<I: Iterator> Iterator for IsolatedIter<I> {
    type Item = I::Item;

    #[inline]
    fn next(&mut self) -> Option<I::Item> {
        let inner = self.inner.as_mut()?;
        self.frame.step(|| inner.next())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner
            .as_ref()
            .map_or((0, Some(0)), Iterator::size_hint)
    }

    // Only the inner iterator's code runs in these, so one step serves all.
    fn nth(&mut self, n: usize) -> Option<I::Item> {
        let inner = self.inner.as_mut()?;
        self.frame.step(|| inner.nth(n))
    }

    fn count(mut self) -> usize {
        match self.inner.as_mut() {
            Some(inner) => self.frame.step(|| inner.by_ref().count()),
            None => 0,
        }
    }
}

impl<I: DoubleEndedIterator> DoubleEndedIterator for IsolatedIter<I> {
    #[inline]
    fn next_back(&mut self) -> Option<I::Item> {
        let inner = self.inner.as_mut()?;
        self.frame.step(|| inner.next_back())
    }
}

impl<I: ExactSizeIterator> ExactSizeIterator for IsolatedIter<I> {}

impl<I: FusedIterator> FusedIterator for IsolatedIter<I> {}

impl<I> Drop for IsolatedIter<I> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            self.frame.step(|| drop(inner));
        }
    }
}

impl<I> fmt::Debug for IsolatedIter<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IsolatedIter")
            .field("frame", &self.frame)
            .finish_non_exhaustive()
    }
}
