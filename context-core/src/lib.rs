//! Context-local state with isolated frames: the Rust counterpart of Python's
//! [`contextvars`] and [`extracontext`].
//!
//! Values live in namespaces — [`ContextLocal`] (string keys, any type),
//! [`ContextMap<V>`] (a map with defaults) and [`ContextKey<T>`] (one typed
//! slot) — and are local to the current thread. A *frame* is a copy of the
//! current context whose changes are discarded when it ends:
//! [`ContextLocal::run`], [`ContextLocal::enter`], [`Snapshot::run`].
//!
//! ```
//! use context_core::{ContextKey, ContextLocal, ContextMap};
//!
//! static REQUEST: ContextLocal = ContextLocal::named("request");
//! static USER: ContextKey<String> = ContextKey::new("user");
//! static LIMITS: ContextMap<u32> = ContextMap::new();
//!
//! fn deep_in_the_call_stack() -> String {
//!     let id: u64 = REQUEST.get("id").unwrap_or(0);
//!     format!("request {id} by {}", USER.get().unwrap_or_default())
//! }
//!
//! REQUEST.set("id", 1_u64);
//! USER.set("ann".into());
//! REQUEST.run(|| {
//!     // A new frame: a copy of the context; changes stay inside.
//!     REQUEST.set("id", 2_u64);
//!     LIMITS.insert("rps", 10);
//!     assert_eq!(deep_in_the_call_stack(), "request 2 by ann");
//! });
//! assert_eq!(deep_in_the_call_stack(), "request 1 by ann");
//! assert!(LIMITS.is_empty());
//! ```
//!
//! # The model
//!
//! Every thread has a *current context*: an immutable persistent hash map
//! ([`imbl`]). Reading is a lookup; writing replaces the current map with a
//! new one that shares structure with the old. Entering a frame remembers the
//! current map (an O(1) clone, whatever the number of keys) and leaving it
//! puts the remembered map back — also when the frame ends by panic. A new
//! thread starts with an empty context unless it is started through the
//! propagation helpers: `task::spawn`, `task::spawn_blocking`,
//! `task::spawn_local` (feature `tokio`), [`thread::spawn`] and
//! [`ContextPreservingExecutor::submit`] each run their work in a fresh copy
//! of the caller's context.
//!
//! # Why these dependencies
//!
//! * [`imbl`] — the maintained fork of `im` (which is unmaintained and has
//!   open soundness advisories). Its hash array mapped tries give O(1) frame
//!   entry and O(log n) copy-on-write updates.
//! * [`rustc_hash`] — FxHash for namespace ids and keys: keys come from the
//!   program, not from an attacker, so SipHash's DoS resistance would only
//!   cost time on every lookup.
//! * [`rayon_core`] — the thread pool under [`ContextPreservingExecutor`]:
//!   a maintained, fixed-size pool that needs no async runtime.
//! * [`futures_channel`] — the executor's result channel, a runtime-agnostic
//!   future (see the executor's docs for both choices).
//! * `tokio` (optional, `rt` only) — for the `task` spawn helpers.
//!
//! # Thread-local teardown
//!
//! Code may touch the context while the thread's locals are being destroyed
//! (from another thread-local's `Drop`, or from a value in the context whose
//! `Drop` reads the context). That never panics or aborts: reads see an empty
//! context, writes are dropped, frames do nothing.
//!
//! # Feature flags
//!
//! * `macros` (default): re-exports the `#[isolated]` attribute macro.
//! * `tokio` (default): the `task` module — `spawn`, `spawn_blocking` and
//!   `spawn_local`, tokio's spawn functions carrying the context.
//!   [`thread::spawn`] and [`ContextPreservingExecutor`] need no runtime and
//!   are always available.
//! * `tower`: the `tower` module — a tower `Layer` that runs every request in
//!   a frame of its own (for axum, tonic, hyper).
//! * `tracing`: the `tracing` module — record context values into span fields.
//!
//! [`contextvars`]: https://docs.python.org/3/library/contextvars.html
//! [`extracontext`]: https://pypi.org/project/extracontext/
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
mod context;
mod error;
mod executor;
mod frame;
mod key;
mod local;
mod map;
mod snapshot;
mod wrap;

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod task;
pub mod thread;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub mod tracing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// The extension traits: `use context_core::prelude::*;`
pub mod prelude {
    pub use crate::wrap::{FutureIsolateExt, IteratorIsolateExt, StreamIsolateExt};
}

pub use backend::Backend;
pub use error::{ContextError, ExecutorError};
pub use executor::{ContextPreservingExecutor, Job};
pub use frame::FrameGuard;
pub use key::ContextKey;
pub use local::ContextLocal;
pub use map::ContextMap;
pub use snapshot::Snapshot;
pub use wrap::{IsolatedFuture, IsolatedIter, IsolatedStream};

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[doc(inline)]
pub use context_macros::isolated;
