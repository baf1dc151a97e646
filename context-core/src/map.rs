//! [`ContextMap<V>`]: a context-local map of string keys to values of one type.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::backend::{Backend, Entry, Replaced};
use crate::context::{self, LazyId};
use crate::frame::{self, FrameGuard};

/// Maps always use the persistent backend (one slot per key).
const STORE: Backend = Backend::Persistent;

/// A context-local map from string keys to values of type `V`, with optional
/// defaults (Python's `MutableMapping` flavour of extracontext).
///
/// Like [`ContextLocal`](crate::ContextLocal), every change is made in the
/// current frame. Defaults live in the map itself, so they are visible on
/// every thread and in every frame until overridden or removed *there*:
/// removing a default (or clearing the map) hides it for the rest of that
/// frame only.
///
/// `keys`, `values` and `entries` are in key order.
///
/// ```
/// use context_core::ContextMap;
///
/// let style = ContextMap::with_defaults([("color", "black"), ("font", "serif")]);
/// style.run(|| {
///     style.insert("color", "red");
///     style.remove("font");
///     assert_eq!(style.entries(), [("color".to_string(), "red")]);
/// });
/// assert_eq!(style.get("color"), Some("black"));
/// assert_eq!(style.len(), 2);
/// ```
pub struct ContextMap<V> {
    id: LazyId,
    defaults: BTreeMap<String, V>,
    _type: PhantomData<fn() -> V>,
}

impl<V: Clone + Send + Sync + 'static> ContextMap<V> {
    /// A new, empty map without defaults.
    ///
    /// ```
    /// use context_core::ContextMap;
    /// static HEADERS: ContextMap<String> = ContextMap::new();
    /// assert!(HEADERS.is_empty());
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        ContextMap {
            id: LazyId::new(),
            defaults: BTreeMap::new(),
            _type: PhantomData,
        }
    }

    /// A new map whose `defaults` are visible everywhere until overridden or
    /// removed in a frame. A key given twice keeps its last value.
    ///
    /// ```
    /// use context_core::ContextMap;
    /// let m = ContextMap::with_defaults([("retries", 3)]);
    /// assert_eq!(std::thread::spawn(move || m.get("retries")).join().unwrap(), Some(3));
    /// ```
    #[must_use]
    pub fn with_defaults<K: AsRef<str>>(defaults: impl IntoIterator<Item = (K, V)>) -> Self {
        ContextMap {
            id: LazyId::new(),
            defaults: defaults
                .into_iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v))
                .collect(),
            _type: PhantomData,
        }
    }

    /// Sets `key`; returns the value it had (its default included).
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::with_defaults([("a", 1)]);
    /// assert_eq!(m.insert("a", 2), Some(1));
    /// assert_eq!(m.insert("b", 3), None);
    /// ```
    pub fn insert(&self, key: &str, value: V) -> Option<V> {
        let ns = self.id.get();
        match context::write(|ctx| STORE.set(ctx, ns, key, value)).flatten() {
            Some(Replaced::Value(old)) => Some(old),
            Some(Replaced::Entry(old)) => self.visible(key, Some(old)),
            None => self.visible(key, None),
        }
    }

    /// The value of `key`, cloned.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::with_defaults([("a", 1)]);
    /// assert_eq!(m.get("a"), Some(1));
    /// assert_eq!(m.get("b"), None);
    /// ```
    #[must_use]
    pub fn get(&self, key: &str) -> Option<V> {
        let ns = self.id.get();
        // `V::clone` is user code: `read` holds no borrow while it runs.
        let found = context::read(|ctx| {
            let entry = STORE.get(ctx, ns, key)?;
            Some(entry.value().and_then(|v| v.downcast_ref::<V>()).cloned())
        })
        .flatten();
        match found {
            Some(overridden) => overridden,
            None => self.defaults.get(key).cloned(),
        }
    }

    /// Whether `key` has a value.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::with_defaults([("a", 1)]);
    /// assert!(m.contains_key("a"));
    /// m.run(|| {
    ///     m.remove("a");
    ///     assert!(!m.contains_key("a"));
    /// });
    /// ```
    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        match self.slot(key) {
            Some(slot) => slot.value().is_some(),
            None => self.defaults.contains_key(key),
        }
    }

    /// Removes `key` from the current frame; returns the value it had. A
    /// default is hidden (not deleted): it is visible again once the frame
    /// ends.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::with_defaults([("a", 1)]);
    /// m.run(|| {
    ///     assert_eq!(m.remove("a"), Some(1));
    ///     assert_eq!(m.remove("a"), None);
    /// });
    /// assert_eq!(m.get("a"), Some(1));
    /// ```
    pub fn remove(&self, key: &str) -> Option<V> {
        if !self.contains_key(key) {
            return None;
        }
        let ns = self.id.get();
        let has_default = self.defaults.contains_key(key);
        let removed = context::write(|ctx| {
            if has_default {
                STORE.insert(ctx, ns, key, Entry::Hidden)
            } else {
                STORE.remove(ctx, ns, key)
            }
        })
        .flatten();
        self.visible(key, removed)
    }

    /// Number of keys with a value.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::with_defaults([("a", 1)]);
    /// m.insert("b", 2);
    /// assert_eq!(m.len(), 2);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.merged().len()
    }

    /// Whether no key has a value.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m: ContextMap<u8> = ContextMap::new();
    /// assert!(m.is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every key in the current frame; defaults are hidden until the
    /// frame ends.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::with_defaults([("a", 1)]);
    /// m.run(|| {
    ///     m.insert("b", 2);
    ///     m.clear();
    ///     assert!(m.is_empty());
    /// });
    /// assert_eq!(m.keys(), ["a"]);
    /// ```
    pub fn clear(&self) {
        let ns = self.id.get();
        let _cleared = context::write(|ctx| {
            let cleared = STORE.clear(ctx, ns);
            for key in self.defaults.keys() {
                STORE.insert(ctx, ns, key, Entry::Hidden);
            }
            cleared
        });
    }

    /// The keys with a value, in order.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::with_defaults([("b", 1)]);
    /// m.insert("a", 2);
    /// assert_eq!(m.keys(), ["a", "b"]);
    /// ```
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        self.merged().into_keys().collect()
    }

    /// The values, in key order.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::with_defaults([("b", 1)]);
    /// m.insert("a", 2);
    /// assert_eq!(m.values(), [2, 1]);
    /// ```
    #[must_use]
    pub fn values(&self) -> Vec<V> {
        self.merged().into_values().collect()
    }

    /// The `(key, value)` pairs, in key order.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::with_defaults([("b", 1)]);
    /// m.insert("a", 2);
    /// assert_eq!(m.entries(), [("a".to_string(), 2), ("b".to_string(), 1)]);
    /// ```
    #[must_use]
    pub fn entries(&self) -> Vec<(String, V)> {
        self.merged().into_iter().collect()
    }

    /// Inserts every pair, in order.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::new();
    /// m.extend([("a", 1), ("b", 2)]);
    /// assert_eq!(m.len(), 2);
    /// ```
    pub fn extend<K: AsRef<str>>(&self, items: impl IntoIterator<Item = (K, V)>) {
        for (k, v) in items {
            self.insert(k.as_ref(), v);
        }
    }

    /// The value of `key`; if it has none, `make()` is inserted and returned
    /// (Python's `setdefault`).
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::new();
    /// assert_eq!(m.get_or_insert_with("n", || 1), 1);
    /// assert_eq!(m.get_or_insert_with("n", || 2), 1);
    /// ```
    pub fn get_or_insert_with(&self, key: &str, make: impl FnOnce() -> V) -> V {
        if let Some(v) = self.get(key) {
            return v;
        }
        let v = make();
        self.insert(key, v.clone());
        v
    }

    /// Runs `f` in a new frame (see
    /// [`ContextLocal::run`](crate::ContextLocal::run)).
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::new();
    /// m.run(|| m.insert("a", 1));
    /// assert!(m.is_empty());
    /// ```
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        frame::run(None, f)
    }

    /// Enters a new frame that lasts until the guard is dropped.
    ///
    /// ```
    /// # use context_core::ContextMap;
    /// let m = ContextMap::new();
    /// {
    ///     let _frame = m.enter();
    ///     m.insert("a", 1);
    /// }
    /// assert!(m.is_empty());
    /// ```
    pub fn enter(&self) -> FrameGuard {
        FrameGuard::enter(None)
    }

    /// The slot of `key` in the current context (`None`: not overridden here).
    fn slot(&self, key: &str) -> Option<Entry> {
        let ns = self.id.get();
        context::peek(|ctx| STORE.get(ctx, ns, key).cloned()).flatten()
    }

    /// What a key shows given its slot in the context: the slot's value, the
    /// default if the slot is absent, nothing if the slot hides it. Clones
    /// outside any borrow.
    fn visible(&self, key: &str, slot: Option<Entry>) -> Option<V> {
        match slot {
            Some(entry) => entry.value()?.downcast_ref::<V>().cloned(),
            None => self.defaults.get(key).cloned(),
        }
    }

    /// Every visible key with its value, defaults merged in.
    fn merged(&self) -> BTreeMap<String, V> {
        let ns = self.id.get();
        let overrides = context::peek(|ctx| {
            let mut out = Vec::new();
            STORE.for_each(ctx, ns, |k, entry| out.push((Arc::clone(k), entry.clone())));
            out
        })
        .unwrap_or_default();
        let mut merged = self.defaults.clone();
        for (k, slot) in overrides {
            match slot.value().and_then(|v| v.downcast_ref::<V>()) {
                Some(v) => merged.insert(String::from(&*k), v.clone()),
                None => merged.remove(&*k),
            };
        }
        merged
    }
}

impl<V: Clone + Send + Sync + 'static> Default for ContextMap<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: fmt::Debug + Clone + Send + Sync + 'static> fmt::Debug for ContextMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextMap")
            .field("entries", &self.merged())
            .finish()
    }
}
