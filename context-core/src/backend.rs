//! How values are stored inside a context, and the two [`Backend`]s.
//!
//! A context is one persistent map from [`SlotKey`] to [`Entry`]:
//!
//! * a [`ContextKey`](crate::ContextKey) is one slot, `SlotKey::Ns(id)`;
//! * a `Persistent` local or a [`ContextMap`](crate::ContextMap) stores each
//!   key in its own slot, `SlotKey::Key(id, key)`, so a read is a single
//!   lookup whatever the number of namespaces;
//! * a `Copying` local stores all its keys in one plain map behind an `Arc`
//!   in the slot `SlotKey::Ns(id)`, copied on its first write in a frame.
//!
//! Everything above this module goes through [`Backend`]'s small API; an
//! `enum` rather than a trait object, since there are exactly two backends
//! and a match is cheaper than a virtual call on the hot path.

use std::any::Any;
use std::collections::HashMap as StdHashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use equivalent::Equivalent;
use rustc_hash::FxBuildHasher;

use crate::context::{Context, NsId};

/// A stored value. The `Arc` is what [`get_arc`](crate::ContextLocal::get_arc)
/// hands out, so reads never copy the value itself.
pub(crate) type Value = Arc<dyn Any + Send + Sync>;

/// A persistent (structurally shared) hash map. FxHash: keys are namespace ids
/// and short strings chosen by the program, not by an attacker, so SipHash's
/// DoS resistance buys nothing here and costs several times the lookup.
pub(crate) type PMap<K, V> =
    imbl::GenericHashMap<K, V, FxBuildHasher, imbl::shared_ptr::DefaultSharedPtr>;

type CopyMap = StdHashMap<Arc<str>, Entry, FxBuildHasher>;

/// Storage strategy of a [`ContextLocal`](crate::ContextLocal).
///
/// Both backends have the same semantics (the test suite runs every behaviour
/// test against both); they differ in cost:
///
/// | backend | enter a frame | first write in a frame | later writes |
/// |---|---|---|---|
/// | `Persistent` | O(1) | O(log n) path copy | O(log n), in place |
/// | `Copying` | O(1) | O(n): copies the local's map | O(1), in place |
///
/// ```
/// use context_core::{Backend, ContextLocal};
///
/// static SIMPLE: ContextLocal = ContextLocal::with_backend(Backend::Copying);
/// SIMPLE.set("answer", 42_u8);
/// assert_eq!(SIMPLE.get::<u8>("answer"), Some(42));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Backend {
    /// An `imbl` persistent hash map: frames share structure with their
    /// parent, so the first write in a frame copies only one path of the tree.
    #[default]
    Persistent,
    /// A plain `std` hash map behind an `Arc`, copied whole on the first write
    /// in each frame. Simple to read and debug; O(n) per frame that writes.
    Copying,
}

/// Where a value lives in the context.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum SlotKey {
    /// A whole namespace: a `ContextKey`'s value, a `Copying` local's map.
    Ns(NsId),
    /// One key of a `Persistent` local or of a `ContextMap`.
    Key(NsId, Arc<str>),
}

impl Hash for SlotKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            SlotKey::Ns(ns) => state.write_u64(*ns),
            SlotKey::Key(ns, key) => KeyRef(*ns, key).hash(state),
        }
    }
}

/// Borrowed form of `SlotKey::Key`, for lookups without allocating.
/// Deliberately not `Eq` (that would overlap `equivalent`'s blanket impl).
struct KeyRef<'a>(NsId, &'a str);

impl Hash for KeyRef<'_> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0);
        self.1.hash(state);
    }
}

impl Equivalent<SlotKey> for KeyRef<'_> {
    #[inline]
    fn equivalent(&self, key: &SlotKey) -> bool {
        matches!(key, SlotKey::Key(ns, k) if *ns == self.0 && **k == *self.1)
    }
}

/// Borrowed form of `SlotKey::Ns`: a lookup compares one integer.
pub(crate) struct NsRef(pub(crate) NsId);

impl Hash for NsRef {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0);
    }
}

impl Equivalent<SlotKey> for NsRef {
    #[inline]
    fn equivalent(&self, key: &SlotKey) -> bool {
        matches!(key, SlotKey::Ns(ns) if *ns == self.0)
    }
}

/// What a slot holds.
#[derive(Clone)]
pub(crate) enum Entry {
    Value(Value),
    /// Masks a `ContextMap` default in the frame where it was removed.
    Hidden,
    /// All the keys of a `Copying` local.
    Copying(Arc<CopyMap>),
}

impl Entry {
    #[inline]
    pub(crate) fn value(&self) -> Option<&Value> {
        match self {
            Entry::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl Backend {
    /// The entry of `key` in namespace `ns`.
    #[inline]
    pub(crate) fn get<'c>(self, ctx: &'c Context, ns: NsId, key: &str) -> Option<&'c Entry> {
        match self {
            Backend::Persistent => ctx.get(&KeyRef(ns, key)),
            Backend::Copying => match ctx.get(&NsRef(ns))? {
                Entry::Copying(map) => map.get(key),
                _ => None,
            },
        }
    }

    /// Sets `key` to `value`; returns what it replaces, for the caller to
    /// drop once no borrow is held. Repeated writes reuse the key's and, when
    /// nothing else holds it, the value's allocation.
    #[inline]
    pub(crate) fn set<T: Any + Send + Sync>(
        self,
        ctx: &mut Context,
        ns: NsId,
        key: &str,
        value: T,
    ) -> Option<Replaced<T>> {
        match self.get_mut(ctx, ns, key) {
            Some(slot) => Some(overwrite(slot, value)),
            None => {
                self.insert_new(ctx, ns, key, Entry::Value(Arc::new(value)));
                None
            }
        }
    }

    /// Sets `key` to `entry`; returns the entry it replaces.
    pub(crate) fn insert(
        self,
        ctx: &mut Context,
        ns: NsId,
        key: &str,
        entry: Entry,
    ) -> Option<Entry> {
        match self.get_mut(ctx, ns, key) {
            Some(slot) => Some(std::mem::replace(slot, entry)),
            None => {
                self.insert_new(ctx, ns, key, entry);
                None
            }
        }
    }

    /// The entry of `key`, for writing (copy-on-write if shared).
    #[inline]
    fn get_mut<'c>(self, ctx: &'c mut Context, ns: NsId, key: &str) -> Option<&'c mut Entry> {
        match self {
            Backend::Persistent => ctx.get_mut(&KeyRef(ns, key)),
            Backend::Copying => copying_map(ctx, ns).get_mut(key),
        }
    }

    /// Adds `key`, known to be absent.
    fn insert_new(self, ctx: &mut Context, ns: NsId, key: &str, entry: Entry) {
        match self {
            Backend::Persistent => ctx.insert(SlotKey::Key(ns, Arc::from(key)), entry),
            Backend::Copying => copying_map(ctx, ns).insert(Arc::from(key), entry),
        };
    }

    /// Removes `key` from this frame's context, returning its entry.
    pub(crate) fn remove(self, ctx: &mut Context, ns: NsId, key: &str) -> Option<Entry> {
        match self {
            Backend::Persistent => ctx.remove(&KeyRef(ns, key)),
            Backend::Copying => {
                // Only copy-on-write when there is something to remove.
                self.get(ctx, ns, key)?;
                copying_map(ctx, ns).remove(key)
            }
        }
    }

    /// Every key of namespace `ns` with its entry, in no particular order.
    /// O(keys of the context) for `Persistent`: used by `keys()` and friends,
    /// not on the hot path.
    pub(crate) fn for_each(self, ctx: &Context, ns: NsId, mut f: impl FnMut(&Arc<str>, &Entry)) {
        match self {
            Backend::Persistent => ctx.for_each(|slot, entry| {
                if let SlotKey::Key(n, key) = slot {
                    if *n == ns {
                        f(key, entry);
                    }
                }
            }),
            Backend::Copying => {
                if let Some(Entry::Copying(map)) = ctx.get(&NsRef(ns)) {
                    map.iter().for_each(|(k, e)| f(k, e));
                }
            }
        }
    }

    /// Removes every key of namespace `ns`; returns what was removed, for the
    /// caller to drop once no borrow is held.
    pub(crate) fn clear(self, ctx: &mut Context, ns: NsId) -> Vec<Entry> {
        match self {
            Backend::Persistent => {
                let mut keys = Vec::new();
                self.for_each(ctx, ns, |k, _| keys.push(Arc::clone(k)));
                keys.into_iter()
                    .filter_map(|k| ctx.remove(&SlotKey::Key(ns, k)))
                    .collect()
            }
            Backend::Copying => ctx.remove(&NsRef(ns)).into_iter().collect(),
        }
    }
}

/// What a write replaced: the old value itself when it was overwritten in
/// its allocation, else the old entry.
pub(crate) enum Replaced<T> {
    Value(T),
    Entry(Entry),
}

/// Sets the single slot of a `ContextKey` (`SlotKey::Ns(ns)`), as
/// [`Backend::set`] sets a key; returns what it replaces.
#[inline]
pub(crate) fn set_single<T: Any + Send + Sync>(
    ctx: &mut Context,
    ns: NsId,
    value: T,
) -> Option<Replaced<T>> {
    match ctx.get_mut(&NsRef(ns)) {
        Some(slot) => Some(overwrite(slot, value)),
        None => {
            ctx.insert(SlotKey::Ns(ns), Entry::Value(Arc::new(value)));
            None
        }
    }
}

/// Writes `value` into `slot`: in place if the slot holds the only reference
/// to a value of the same type (no allocation), else as a new `Arc`.
#[inline]
fn overwrite<T: Any + Send + Sync>(slot: &mut Entry, value: T) -> Replaced<T> {
    if let Entry::Value(arc) = slot {
        if let Some(old) = Arc::get_mut(arc).and_then(|v| v.downcast_mut::<T>()) {
            return Replaced::Value(std::mem::replace(old, value));
        }
    }
    Replaced::Entry(std::mem::replace(slot, Entry::Value(Arc::new(value))))
}

/// The `Copying` local's own map in this frame, copied on first write.
fn copying_map(ctx: &mut Context, ns: NsId) -> &mut CopyMap {
    let entry = ctx.get_or_insert_with(SlotKey::Ns(ns), || Entry::Copying(Arc::default()));
    if !matches!(entry, Entry::Copying(_)) {
        *entry = Entry::Copying(Arc::default());
    }
    match entry {
        Entry::Copying(map) => Arc::make_mut(map),
        _ => unreachable!("set to `Entry::Copying` just above"),
    }
}
