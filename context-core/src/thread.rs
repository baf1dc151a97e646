//! A [`std::thread::spawn`] that carries the context.
//!
//! A new thread starts with an empty context (as in Python). [`spawn`] starts
//! it with a fresh copy of the spawner's context instead.

use std::thread::JoinHandle;

use crate::snapshot::Snapshot;

/// [`std::thread::spawn`], with `f` running in a fresh copy of the caller's
/// context.
///
/// The copy is taken at the call; nothing the thread changes reaches the
/// caller or other threads. For a named thread or a custom stack size, bind
/// the closure yourself:
/// `std::thread::Builder::new().spawn(Snapshot::current().bind(f))`
/// (see [`Snapshot::bind`]).
///
/// # Panics
///
/// Like [`std::thread::spawn`]: when the OS fails to create a thread.
///
/// ```
/// use context_core::{thread, ContextLocal};
///
/// static CTX: ContextLocal = ContextLocal::new();
///
/// CTX.set("user", "ann");
/// let handle = thread::spawn(|| {
///     let seen = CTX.get::<&str>("user");
///     CTX.set("user", "bob"); // stays on that thread
///     seen
/// });
/// assert_eq!(handle.join().unwrap(), Some("ann"));
/// assert_eq!(CTX.get::<&str>("user"), Some("ann"));
///
/// // A plain std thread starts empty.
/// assert_eq!(std::thread::spawn(|| CTX.get::<&str>("user")).join().unwrap(), None);
/// ```
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    std::thread::spawn(Snapshot::current().bind(f))
}
