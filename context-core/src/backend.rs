//! How one namespace stores its values inside a context.
//!
//! A context maps namespace ids to a [`Space`]. The space's representation is
//! chosen per local ([`Backend`]); everything above this module only sees the
//! small `Space` API. An `enum` rather than a trait object: there are exactly
//! two backends, and the match is cheaper than a virtual call on the hot path.

use std::any::Any;
use std::collections::HashMap as StdHashMap;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;

/// A stored value. The `Arc` is what [`get_arc`](crate::ContextLocal::get_arc)
/// hands out, so reads never copy the value itself.
pub(crate) type Value = Arc<dyn Any + Send + Sync>;

/// A persistent (structurally shared) hash map. FxHash: keys are namespace ids
/// and short strings chosen by the program, not by an attacker, so SipHash's
/// DoS resistance buys nothing here and costs several times the lookup.
pub(crate) type PMap<K, V> =
    imbl::GenericHashMap<K, V, FxBuildHasher, imbl::shared_ptr::DefaultSharedPtr>;

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

/// One entry of a keyed namespace. `Hidden` masks a [`ContextMap`] default in
/// the frame where it was removed.
///
/// [`ContextMap`]: crate::ContextMap
#[derive(Clone)]
pub(crate) enum Slot {
    Set(Value),
    Hidden,
}

impl Slot {
    pub(crate) fn value(&self) -> Option<&Value> {
        match self {
            Slot::Set(v) => Some(v),
            Slot::Hidden => None,
        }
    }
}

type CopyMap = StdHashMap<Arc<str>, Slot, FxBuildHasher>;

/// The values of one namespace in one context.
#[derive(Clone)]
pub(crate) enum Space {
    /// A [`ContextKey`](crate::ContextKey): exactly one value, no key lookup.
    Single(Value),
    Persistent(PMap<Arc<str>, Slot>),
    Copying(Arc<CopyMap>),
}

impl Space {
    pub(crate) fn keyed(backend: Backend) -> Self {
        match backend {
            Backend::Persistent => Space::Persistent(PMap::default()),
            Backend::Copying => Space::Copying(Arc::default()),
        }
    }

    pub(crate) fn single(&self) -> Option<&Value> {
        match self {
            Space::Single(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Slot> {
        match self {
            Space::Single(_) => None,
            Space::Persistent(m) => m.get(key),
            Space::Copying(m) => m.get(key),
        }
    }

    /// Sets `key`, returning the slot it replaces (for the caller to drop
    /// once no borrow is held). Reuses the existing key allocation on
    /// repeated writes.
    pub(crate) fn insert(&mut self, key: &str, slot: Slot) -> Option<Slot> {
        match self {
            Space::Single(_) => None,
            Space::Persistent(m) => match m.get_mut(key) {
                Some(old) => Some(std::mem::replace(old, slot)),
                None => m.insert(Arc::from(key), slot),
            },
            Space::Copying(m) => {
                let m = Arc::make_mut(m);
                match m.get_mut(key) {
                    Some(old) => Some(std::mem::replace(old, slot)),
                    None => m.insert(Arc::from(key), slot),
                }
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<Slot> {
        match self {
            Space::Single(_) => None,
            Space::Persistent(m) => m.remove(key),
            Space::Copying(m) => {
                if m.contains_key(key) {
                    Arc::make_mut(m).remove(key)
                } else {
                    None
                }
            }
        }
    }

    /// Every key with its slot, in no particular order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Arc<str>, &Slot)) {
        match self {
            Space::Single(_) => {}
            Space::Persistent(m) => m.iter().for_each(|(k, v)| f(k, v)),
            Space::Copying(m) => m.iter().for_each(|(k, v)| f(k, v)),
        }
    }
}
