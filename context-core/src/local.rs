//! [`ContextLocal`]: a namespace of string keys holding values of any type.

use std::any::type_name;
use std::fmt;
use std::sync::Arc;

use crate::backend::{Backend, Value};
use crate::context::{self, LazyId};
use crate::error::ContextError;
use crate::frame::{self, FrameGuard};

/// A namespace of string keys whose values are local to the current thread,
/// async task, iterator or stream.
///
/// All methods take `&self`, so locals live in `static`s (the constructors are
/// `const`). A local created at run time is its own namespace too: two locals
/// never see each other's keys. Values may be of any `Send + Sync + 'static`
/// type; a read names the type it expects.
///
/// Every change is made in the current *frame*: [`run`](Self::run) and
/// [`enter`](Self::enter) open a new one, and when it ends every change made
/// inside — to this or any other local — is discarded.
///
/// ```
/// use context_core::ContextLocal;
///
/// static CTX: ContextLocal = ContextLocal::new();
///
/// CTX.set("user", String::from("ann"));
/// CTX.run(|| {
///     CTX.set("user", String::from("bob"));
///     assert_eq!(CTX.get::<String>("user").as_deref(), Some("bob"));
/// });
/// assert_eq!(CTX.get::<String>("user").as_deref(), Some("ann"));
/// ```
///
/// Values of a local are kept in the context, not in the local: a local
/// created at run time and dropped leaves its values in contexts that still
/// hold them (they are freed with those contexts), and they can no longer be
/// reached.
pub struct ContextLocal {
    id: LazyId,
    name: Option<&'static str>,
    backend: Backend,
}

impl ContextLocal {
    /// A new, anonymous namespace with the [`Persistent`](Backend::Persistent)
    /// backend.
    ///
    /// ```
    /// use context_core::ContextLocal;
    /// static CTX: ContextLocal = ContextLocal::new();
    /// # CTX.set("k", 1_u8);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self::with_backend(Backend::Persistent)
    }

    /// A new namespace whose `name` is shown by `Debug` and in
    /// [`ContextError`]s.
    ///
    /// ```
    /// use context_core::ContextLocal;
    /// static REQ: ContextLocal = ContextLocal::named("request");
    /// assert!(REQ.try_get::<u64>("id").unwrap_err().to_string().contains("request.id"));
    /// ```
    #[must_use]
    pub const fn named(name: &'static str) -> Self {
        ContextLocal {
            id: LazyId::new(),
            name: Some(name),
            backend: Backend::Persistent,
        }
    }

    /// A new anonymous namespace stored with the given [`Backend`].
    ///
    /// ```
    /// use context_core::{Backend, ContextLocal};
    /// static CTX: ContextLocal = ContextLocal::with_backend(Backend::Copying);
    /// CTX.set("k", 1_u8);
    /// assert_eq!(CTX.get::<u8>("k"), Some(1));
    /// ```
    #[must_use]
    pub const fn with_backend(backend: Backend) -> Self {
        ContextLocal {
            id: LazyId::new(),
            name: None,
            backend,
        }
    }

    /// Sets `key` to `value` in the current frame.
    ///
    /// ```
    /// # use context_core::ContextLocal;
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("retries", 3_u32);
    /// CTX.set("retries", 4_u32); // replaces; the old value is dropped
    /// assert_eq!(CTX.get::<u32>("retries"), Some(4));
    /// ```
    pub fn set<T: Send + Sync + 'static>(&self, key: &str, value: T) {
        let ns = self.id.get();
        // The replaced entry is dropped here, after the borrow has ended.
        let _replaced = context::write(|ctx| self.backend.set(ctx, ns, key, value));
    }

    /// The value of `key`, cloned; `None` if it is unset or holds another
    /// type than `T`.
    ///
    /// ```
    /// # use context_core::ContextLocal;
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("port", 8080_u16);
    /// assert_eq!(CTX.get::<u16>("port"), Some(8080));
    /// assert_eq!(CTX.get::<u32>("port"), None); // another type
    /// assert_eq!(CTX.get::<u16>("host"), None); // unset
    /// ```
    #[must_use]
    pub fn get<T: Clone + 'static>(&self, key: &str) -> Option<T> {
        let ns = self.id.get();
        // `T::clone` is user code: `read` holds no borrow while it runs.
        context::read(|ctx| {
            let value = self.backend.get(ctx, ns, key)?.value()?;
            value.downcast_ref::<T>().cloned()
        })
        .flatten()
    }

    /// The stored `Arc` itself (no copy of the value): `Arc::ptr_eq` holds
    /// between two reads of the same value.
    ///
    /// ```
    /// # use context_core::ContextLocal;
    /// # use std::sync::Arc;
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("config", vec![1, 2, 3]);
    /// let a: Arc<Vec<i32>> = CTX.get_arc("config").unwrap();
    /// let b: Arc<Vec<i32>> = CTX.get_arc("config").unwrap();
    /// assert!(Arc::ptr_eq(&a, &b));
    /// ```
    #[must_use]
    pub fn get_arc<T: Send + Sync + 'static>(&self, key: &str) -> Option<Arc<T>> {
        self.value(key)?.downcast::<T>().ok()
    }

    /// Like [`get`](Self::get), but says why there is no value.
    ///
    /// ```
    /// # use context_core::{ContextError, ContextLocal};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// assert_eq!(CTX.try_get::<u8>("k"), Err(ContextError::Missing { key: "k".into() }));
    /// CTX.set("k", "text");
    /// assert!(matches!(CTX.try_get::<u8>("k"), Err(ContextError::TypeMismatch { .. })));
    /// CTX.set("k", 7_u8);
    /// assert_eq!(CTX.try_get::<u8>("k"), Ok(7));
    /// ```
    pub fn try_get<T: Clone + 'static>(&self, key: &str) -> Result<T, ContextError> {
        let ns = self.id.get();
        let found = context::read(|ctx| {
            let value = self.backend.get(ctx, ns, key)?.value()?;
            Some(value.downcast_ref::<T>().cloned())
        })
        .flatten();
        match found {
            Some(Some(value)) => Ok(value),
            Some(None) => Err(ContextError::TypeMismatch {
                key: self.qualified(key),
                expected: type_name::<T>(),
            }),
            None => Err(ContextError::Missing {
                key: self.qualified(key),
            }),
        }
    }

    /// Whether `key` has a value (of any type) in the current context.
    ///
    /// ```
    /// # use context_core::ContextLocal;
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// assert!(!CTX.contains("k"));
    /// CTX.set("k", ());
    /// assert!(CTX.contains("k"));
    /// ```
    #[must_use]
    pub fn contains(&self, key: &str) -> bool {
        let ns = self.id.get();
        context::peek(|ctx| {
            self.backend
                .get(ctx, ns, key)
                .is_some_and(|entry| entry.value().is_some())
        })
        .unwrap_or(false)
    }

    /// Removes `key` from the current frame; returns whether it was set.
    ///
    /// Inside a frame this only hides the key: when the frame ends, the
    /// outer value is visible again.
    ///
    /// ```
    /// # use context_core::ContextLocal;
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("k", 1_u8);
    /// CTX.run(|| {
    ///     assert!(CTX.remove("k"));
    ///     assert!(!CTX.remove("k"));
    ///     assert!(!CTX.contains("k"));
    /// });
    /// assert_eq!(CTX.get::<u8>("k"), Some(1));
    /// ```
    pub fn remove(&self, key: &str) -> bool {
        let ns = self.id.get();
        if !self.contains(key) {
            // Nothing to do, and no copy-on-write for nothing.
            return false;
        }
        let removed = context::write(|ctx| self.backend.remove(ctx, ns, key)).flatten();
        removed.is_some()
    }

    /// The keys set in the current context, sorted.
    ///
    /// ```
    /// # use context_core::ContextLocal;
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// CTX.set("b", 2_u8);
    /// CTX.set("a", 1_u8);
    /// assert_eq!(CTX.keys(), ["a", "b"]);
    /// ```
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        let ns = self.id.get();
        let mut keys = context::peek(|ctx| {
            let mut keys = Vec::new();
            self.backend.for_each(ctx, ns, |k, entry| {
                if entry.value().is_some() {
                    keys.push(String::from(&**k));
                }
            });
            keys
        })
        .unwrap_or_default();
        keys.sort_unstable();
        keys
    }

    /// Runs `f` in a new frame: a copy of the current context whose changes
    /// (to any local) are discarded when `f` returns or panics. Python:
    /// `with ctx:`.
    ///
    /// ```
    /// # use context_core::ContextLocal;
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// let seen = CTX.run(|| {
    ///     CTX.set("k", 1_u8);
    ///     CTX.get::<u8>("k")
    /// });
    /// assert_eq!(seen, Some(1));
    /// assert_eq!(CTX.get::<u8>("k"), None);
    /// ```
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        frame::run(None, f)
    }

    /// Enters a new frame that lasts until the returned guard is dropped.
    ///
    /// ```
    /// # use context_core::ContextLocal;
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// {
    ///     let _frame = CTX.enter();
    ///     CTX.set("k", 1_u8);
    /// }
    /// assert!(!CTX.contains("k"));
    /// ```
    pub fn enter(&self) -> FrameGuard {
        FrameGuard::enter(None)
    }

    /// The stored value of `key`.
    fn value(&self, key: &str) -> Option<Value> {
        let ns = self.id.get();
        context::peek(|ctx| self.backend.get(ctx, ns, key)?.value().cloned()).flatten()
    }

    fn qualified(&self, key: &str) -> String {
        match self.name {
            Some(name) => format!("{name}.{key}"),
            None => key.to_owned(),
        }
    }
}

impl Default for ContextLocal {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ContextLocal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ContextLocal");
        if let Some(name) = self.name {
            d.field("name", &name);
        }
        d.field("backend", &self.backend)
            .field("keys", &self.keys())
            .finish()
    }
}
