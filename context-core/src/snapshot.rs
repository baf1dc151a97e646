//! [`Snapshot`]: a captured context that can be run in, entered, or bound to
//! a closure for another thread or executor.

use std::fmt;

use crate::context::{self, Context};
use crate::frame::{self, FrameGuard};

/// A captured context: every local, key and map as they were at capture.
///
/// Capturing is O(1) (the context is a persistent map); the snapshot never
/// changes afterwards. Each [`run`](Self::run), [`enter`](Self::enter) or call
/// of a [`bind`](Self::bind)-ed closure gets a *fresh copy*: changes made
/// there are discarded when it ends and never reach the snapshot, the caller
/// or each other.
///
/// `Snapshot` is `Clone + Send + Sync`: capture on one thread, run on another.
///
/// ```
/// use context_core::{ContextLocal, Snapshot};
///
/// static CTX: ContextLocal = ContextLocal::new();
///
/// CTX.set("request_id", 7_u64);
/// let snap = Snapshot::current();
/// let seen = std::thread::spawn(move || snap.run(|| CTX.get::<u64>("request_id")))
///     .join()
///     .unwrap();
/// assert_eq!(seen, Some(7));
/// ```
#[derive(Clone, Default)]
pub struct Snapshot {
    ctx: Context,
}

impl Snapshot {
    /// Captures the current context. O(1).
    ///
    /// ```
    /// # use context_core::{ContextLocal, Snapshot};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("k", 1_u8);
    /// let snap = Snapshot::current();
    /// CTX.set("k", 2_u8);
    /// assert_eq!(snap.run(|| CTX.get::<u8>("k")), Some(1));
    /// ```
    #[must_use]
    pub fn current() -> Self {
        Snapshot {
            ctx: context::current(),
        }
    }

    /// An empty context: what a new thread starts with.
    ///
    /// ```
    /// # use context_core::{ContextLocal, Snapshot};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("k", 1_u8);
    /// assert_eq!(Snapshot::empty().run(|| CTX.get::<u8>("k")), None);
    /// ```
    #[must_use]
    pub fn empty() -> Self {
        Snapshot {
            ctx: Context::default(),
        }
    }

    /// Runs `f` in a fresh copy of this snapshot; its changes are discarded
    /// when `f` returns or panics, and the caller's context is restored.
    ///
    /// ```
    /// # use context_core::{ContextLocal, Snapshot};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// let snap = Snapshot::current();
    /// snap.run(|| CTX.set("k", 1_u8));
    /// assert_eq!(snap.run(|| CTX.get::<u8>("k")), None);
    /// ```
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        frame::run(Some(self.ctx.clone()), f)
    }

    /// Enters a fresh copy of this snapshot until the guard is dropped.
    ///
    /// ```
    /// # use context_core::{ContextLocal, Snapshot};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// let empty = Snapshot::empty();
    /// CTX.set("k", 1_u8);
    /// {
    ///     let _frame = empty.enter();
    ///     assert!(!CTX.contains("k"));
    /// }
    /// assert!(CTX.contains("k"));
    /// ```
    pub fn enter(&self) -> FrameGuard {
        FrameGuard::enter(Some(self.ctx.clone()))
    }

    /// Binds `f` to this snapshot: wherever the returned closure is called
    /// (another thread, a pool, a callback), `f` runs in a fresh copy of it.
    ///
    /// ```
    /// # use context_core::{ContextLocal, Snapshot};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("user", "ann");
    /// let job = Snapshot::current().bind(|| CTX.get::<&str>("user"));
    /// assert_eq!(std::thread::spawn(job).join().unwrap(), Some("ann"));
    /// ```
    ///
    /// rayon's workers start with an empty context; bind what you hand to
    /// them (`Snapshot` is `Clone`, one clone per closure):
    ///
    /// ```
    /// # use context_core::{ContextLocal, Snapshot};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("user", "ann");
    /// let snap = Snapshot::current();
    /// let (left, right) = rayon::join(
    ///     snap.clone().bind(|| {
    ///         CTX.set("user", "bob"); // stays in this copy
    ///         CTX.get::<&str>("user")
    ///     }),
    ///     snap.clone().bind(|| CTX.get::<&str>("user")),
    /// );
    /// assert_eq!((left, right), (Some("bob"), Some("ann")));
    ///
    /// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    /// assert_eq!(pool.install(snap.bind(|| CTX.get::<&str>("user"))), Some("ann"));
    /// ```
    pub fn bind<R>(self, f: impl FnOnce() -> R) -> impl FnOnce() -> R {
        move || self.run(f)
    }

    /// Like [`bind`](Self::bind), for a closure called many times: each call
    /// gets its own fresh copy, so calls never see each other's changes.
    ///
    /// ```
    /// # use context_core::{ContextLocal, Snapshot};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("n", 0_u32);
    /// let bump = Snapshot::current().bind_fn(|| {
    ///     let n = CTX.get::<u32>("n").unwrap() + 1;
    ///     CTX.set("n", n);
    ///     n
    /// });
    /// assert_eq!((bump(), bump()), (1, 1)); // each call starts from the snapshot
    /// ```
    ///
    /// # Per-item work (rayon)
    ///
    /// Rust has no variadic closures, so the bound closure takes no
    /// arguments and `par_iter().map(snap.bind_fn(..))` cannot be written.
    /// For per-item work call [`run`](Self::run) inside the closure:
    /// `Snapshot` is `Sync`, so one snapshot serves every worker, and each item
    /// still gets its own fresh copy. A bound `Fn` fits callbacks without
    /// arguments, such as one closure shared by several workers:
    ///
    /// ```
    /// use rayon::prelude::*;
    /// # use context_core::{ContextLocal, Snapshot};
    /// # static CTX: ContextLocal = ContextLocal::new();
    ///
    /// CTX.set("factor", 10_u32);
    /// let snap = Snapshot::current();
    /// let scaled: Vec<u32> = (1..=4_u32)
    ///     .into_par_iter()
    ///     .map(|x| {
    ///         snap.run(|| {
    ///             CTX.set("item", x); // each item has its own copy
    ///             x * CTX.get::<u32>("factor").unwrap()
    ///         })
    ///     })
    ///     .collect();
    /// assert_eq!(scaled, [10, 20, 30, 40]);
    ///
    /// // One bound closure, called on several workers.
    /// let factor = Snapshot::current().bind_fn(|| CTX.get::<u32>("factor"));
    /// let seen: Vec<Option<u32>> = (0..4).into_par_iter().map(|_| factor()).collect();
    /// assert!(seen.iter().all(|f| *f == Some(10)));
    /// assert!(!CTX.contains("item"));
    /// ```
    pub fn bind_fn<R>(self, f: impl Fn() -> R) -> impl Fn() -> R {
        move || self.run(&f)
    }

    /// The captured context, for wrappers that own their frame.
    pub(crate) fn into_context(self) -> Context {
        self.ctx
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("slots", &self.ctx.len())
            .finish()
    }
}
