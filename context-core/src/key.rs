//! [`ContextKey<T>`]: one typed slot (PEP 567's `ContextVar`).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::backend::{NsRef, Value, set_single};
use crate::context::{self, LazyId};

/// One typed, context-local slot: the fast path.
///
/// A key is its own namespace with a single value, so reads and writes skip
/// string hashing, and the stored value always has type `T` (only this key
/// writes it), so no read can fail on a type mismatch.
///
/// ```
/// use context_core::ContextKey;
///
/// static USER: ContextKey<String> = ContextKey::new("user");
///
/// assert_eq!(USER.get(), None);
/// USER.set("ann".to_string());
/// USER.run(|| {
///     USER.set("bob".to_string());
///     assert_eq!(USER.get().as_deref(), Some("bob"));
/// });
/// assert_eq!(USER.get().as_deref(), Some("ann"));
/// ```
pub struct ContextKey<T> {
    id: LazyId,
    name: &'static str,
    // `fn() -> T`: the key itself owns no `T`, so it is `Send + Sync` whatever `T` is.
    _type: PhantomData<fn() -> T>,
}

impl<T: Send + Sync + 'static> ContextKey<T> {
    /// A new key; `name` is shown by `Debug`.
    ///
    /// ```
    /// use context_core::ContextKey;
    /// static DEADLINE_MS: ContextKey<u64> = ContextKey::new("deadline_ms");
    /// # DEADLINE_MS.set(5);
    /// ```
    #[must_use]
    pub const fn new(name: &'static str) -> Self {
        ContextKey {
            id: LazyId::new(),
            name,
            _type: PhantomData,
        }
    }

    /// The key's name, as given to [`new`](Self::new).
    ///
    /// ```
    /// # use context_core::ContextKey;
    /// static K: ContextKey<u8> = ContextKey::new("k");
    /// assert_eq!(K.name(), "k");
    /// ```
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Sets the value in the current frame.
    ///
    /// ```
    /// # use context_core::ContextKey;
    /// static K: ContextKey<u8> = ContextKey::new("k");
    /// K.set(1);
    /// K.set(2);
    /// assert_eq!(K.get(), Some(2));
    /// ```
    pub fn set(&self, value: T) {
        let ns = self.id.get();
        // The replaced value is dropped here, after the borrow has ended.
        let _replaced = context::write(|ctx| set_single(ctx, ns, value));
    }

    /// The value, cloned; `None` if unset.
    ///
    /// ```
    /// # use context_core::ContextKey;
    /// static K: ContextKey<Vec<u8>> = ContextKey::new("k");
    /// assert_eq!(K.get(), None);
    /// K.set(vec![1]);
    /// assert_eq!(K.get(), Some(vec![1]));
    /// ```
    #[must_use]
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        let ns = self.id.get();
        // `T::clone` is user code: `read` holds no borrow while it runs.
        context::read(|ctx| {
            let value = ctx.get(&NsRef(ns))?.value()?;
            value.downcast_ref::<T>().cloned()
        })
        .flatten()
    }

    /// The stored `Arc` itself; `Arc::ptr_eq` holds between reads.
    ///
    /// ```
    /// # use context_core::ContextKey;
    /// # use std::sync::Arc;
    /// static K: ContextKey<String> = ContextKey::new("k");
    /// K.set("x".into());
    /// assert!(Arc::ptr_eq(&K.get_arc().unwrap(), &K.get_arc().unwrap()));
    /// ```
    #[must_use]
    pub fn get_arc(&self) -> Option<Arc<T>> {
        self.value()?.downcast::<T>().ok()
    }

    /// Removes the value from the current frame; returns whether it was set.
    /// Inside a frame this only hides it until the frame ends.
    ///
    /// ```
    /// # use context_core::ContextKey;
    /// static K: ContextKey<u8> = ContextKey::new("k");
    /// K.set(1);
    /// K.run(|| assert!(K.remove()));
    /// assert_eq!(K.get(), Some(1));
    /// ```
    pub fn remove(&self) -> bool {
        if !self.contains() {
            return false;
        }
        let ns = self.id.get();
        context::write(|ctx| ctx.remove(&NsRef(ns)))
            .flatten()
            .is_some()
    }

    /// Whether a value is set in the current context.
    ///
    /// ```
    /// # use context_core::ContextKey;
    /// static K: ContextKey<u8> = ContextKey::new("k");
    /// assert!(!K.contains());
    /// K.set(0);
    /// assert!(K.contains());
    /// ```
    #[must_use]
    pub fn contains(&self) -> bool {
        let ns = self.id.get();
        context::peek(|ctx| ctx.get(&NsRef(ns)).is_some()).unwrap_or(false)
    }

    /// Runs `f` in a new frame (see
    /// [`ContextLocal::run`](crate::ContextLocal::run)).
    ///
    /// ```
    /// # use context_core::ContextKey;
    /// static K: ContextKey<u8> = ContextKey::new("k");
    /// K.run(|| K.set(1));
    /// assert_eq!(K.get(), None);
    /// ```
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        crate::frame::run(None, f)
    }

    /// Enters a new frame that lasts until the guard is dropped (see
    /// [`ContextLocal::enter`](crate::ContextLocal::enter)).
    ///
    /// ```
    /// # use context_core::ContextKey;
    /// static K: ContextKey<u8> = ContextKey::new("k");
    /// {
    ///     let _frame = K.enter();
    ///     K.set(1);
    /// }
    /// assert_eq!(K.get(), None);
    /// ```
    pub fn enter(&self) -> crate::FrameGuard {
        crate::FrameGuard::enter(None)
    }

    fn value(&self) -> Option<Value> {
        let ns = self.id.get();
        context::peek(|ctx| ctx.get(&NsRef(ns))?.value().cloned()).flatten()
    }
}

impl<T: fmt::Debug + Send + Sync + 'static> fmt::Debug for ContextKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextKey")
            .field("name", &self.name)
            .field("value", &self.get_arc())
            .finish()
    }
}
