//! Futures, streams and iterators that own their frame.
//!
//! Each wrapper holds an [`OwnedFrame`](crate::frame::OwnedFrame): a context
//! of its own. Every step of the inner value (`poll`, `poll_next`, `next`,
//! `next_back`) runs with that frame installed on the thread; whatever the
//! step changes is kept in the wrapper for the next step, and the thread's
//! previous context is restored afterwards — also when the step panics. The
//! inner value is dropped with the frame installed, so its `Drop` impls see
//! the context they ran in.
//!
//! Only the inner value's own code runs in the frame. Methods that hand items
//! to caller code (`fold`, `for_each`, ...) are not overridden: the caller's
//! closures see the caller's context.

mod ext;
mod future;
mod iter;
mod stream;

pub use ext::{FutureIsolateExt, IteratorIsolateExt, StreamIsolateExt};
pub use future::IsolatedFuture;
pub use iter::IsolatedIter;
pub use stream::IsolatedStream;
