//! Tokio spawn helpers that carry the context (feature `tokio`).
//!
//! [`tokio::spawn`] starts a task with whatever context happens to be on the
//! worker thread that polls it — usually an empty one. The functions here are
//! drop-in replacements with the same signatures and bounds: each captures the
//! spawner's context ([`Snapshot::current`]) and runs the spawned unit in a
//! fresh copy of it.
//!
//! * A task started with [`spawn`] or [`spawn_local`] is an
//!   [`IsolatedFuture`]: every poll runs in the task's own frame, so values it
//!   sets persist across its `.await`s and never reach the spawner, its
//!   siblings or whatever else runs on the same worker thread.
//! * A closure started with [`spawn_blocking`] runs in a frame of its own on
//!   the blocking pool thread; the thread's context is restored when it
//!   returns or panics, so the thread's next job starts clean.
//!
//! The copy is taken **at the call**: later changes in the spawner are not
//! seen by the spawned unit, just like Python's `asyncio.create_task`, which
//! copies the current `contextvars` context.
//!
//! ```
//! use context_core::{task, ContextLocal};
//!
//! static REQUEST: ContextLocal = ContextLocal::named("request");
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! REQUEST.set("id", 7_u64);
//! let child = task::spawn(async {
//!     let seen = REQUEST.get::<u64>("id");
//!     REQUEST.set("id", 8_u64); // stays in the child
//!     seen
//! });
//! assert_eq!(child.await.unwrap(), Some(7));
//! assert_eq!(REQUEST.get::<u64>("id"), Some(7));
//! # });
//! ```

use std::future::Future;

use tokio::task::JoinHandle;

use crate::snapshot::Snapshot;
use crate::wrap::IsolatedFuture;

/// [`tokio::spawn`], with the task running in a fresh copy of the caller's
/// context.
///
/// The task's changes persist across its own `.await`s and never reach the
/// caller or other tasks. Returns tokio's own [`JoinHandle`]; a panic in the
/// task is reported by it as a [`JoinError`](tokio::task::JoinError), and the
/// context of the thread that polled the task is restored.
///
/// # Panics
///
/// Like [`tokio::spawn`]: when called outside a tokio runtime.
///
/// ```
/// use context_core::{task, ContextLocal};
///
/// static CTX: ContextLocal = ContextLocal::new();
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// CTX.set("user", "ann");
/// let a = task::spawn(async { CTX.set("user", "bob"); CTX.get::<&str>("user") });
/// let b = task::spawn(async { CTX.get::<&str>("user") });
/// assert_eq!(a.await.unwrap(), Some("bob"));
/// assert_eq!(b.await.unwrap(), Some("ann")); // siblings never see each other
/// assert_eq!(CTX.get::<&str>("user"), Some("ann"));
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(IsolatedFuture::with_snapshot(Snapshot::current(), future))
}

/// [`tokio::task::spawn_blocking`], with the closure running in a fresh copy
/// of the caller's context.
///
/// The blocking pool reuses threads: the closure's changes are discarded when
/// it returns or panics, so they never reach the caller or the thread's next
/// job.
///
/// # Panics
///
/// Like [`tokio::task::spawn_blocking`]: when called outside a tokio runtime.
///
/// ```
/// use context_core::{task, ContextLocal};
///
/// static CTX: ContextLocal = ContextLocal::new();
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// CTX.set("path", "/etc/hosts");
/// let seen = task::spawn_blocking(|| CTX.get::<&str>("path")).await.unwrap();
/// assert_eq!(seen, Some("/etc/hosts"));
/// # });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(Snapshot::current().bind(f))
}

/// [`tokio::task::spawn_local`], with the task running in a fresh copy of
/// the caller's context.
///
/// For `!Send` futures on a [`LocalSet`](tokio::task::LocalSet); isolation
/// is the same as for [`spawn`].
///
/// # Panics
///
/// Like [`tokio::task::spawn_local`]: when called outside a `LocalSet`.
///
/// ```
/// use std::rc::Rc;
///
/// use context_core::{task, ContextLocal};
///
/// static CTX: ContextLocal = ContextLocal::new();
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let local = tokio::task::LocalSet::new();
/// local
///     .run_until(async {
///         CTX.set("user", "ann");
///         let not_send = Rc::new(1);
///         let child = task::spawn_local(async move {
///             CTX.set("user", "bob");
///             (*not_send, CTX.get::<&str>("user"))
///         });
///         assert_eq!(child.await.unwrap(), (1, Some("bob")));
///         assert_eq!(CTX.get::<&str>("user"), Some("ann"));
///     })
///     .await;
/// # });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    tokio::task::spawn_local(IsolatedFuture::with_snapshot(Snapshot::current(), future))
}
