//! The thread-local current context: read, write, swap, frames, teardown.
//!
//! This module knows nothing of locals, keys or maps: it stores an immutable
//! persistent map from namespace ids to [`Space`]s and a stack of saved
//! contexts (one per open frame).
//!
//! Two rules keep it sound without `unsafe`:
//!
//! * No user code runs while the `RefCell` is borrowed. Closures passed to
//!   [`read`] and [`write`] are library code; anything that may drop a user
//!   value (a replaced slot, a context left behind by a frame) is returned out
//!   of the borrow and dropped by the caller afterwards.
//! * During thread-local teardown (after `STATE` has been destroyed, or while
//!   its destructor runs) every access degrades gracefully: reads see an empty
//!   context, writes are dropped, frames are no-ops. Nothing panics.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::backend::{PMap, Space};

/// Identity of a namespace (a `ContextLocal`, `ContextMap` or `ContextKey`).
pub(crate) type NsId = u64;

/// A namespace id assigned on first use, so that locals can be built by a
/// `const fn` and live in `static`s.
#[derive(Debug)]
pub(crate) struct LazyId(AtomicU64);

impl LazyId {
    pub(crate) const fn new() -> Self {
        LazyId(AtomicU64::new(0))
    }

    #[inline]
    pub(crate) fn get(&self) -> NsId {
        match self.0.load(Ordering::Relaxed) {
            0 => self.init(),
            id => id,
        }
    }

    #[cold]
    fn init(&self) -> NsId {
        // Relaxed is enough: the id is a plain number that publishes no data.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let fresh = NEXT.fetch_add(1, Ordering::Relaxed);
        match self
            .0
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            Err(winner) => winner,
        }
    }
}

/// An immutable snapshot of every namespace. Cloning is O(1).
#[derive(Clone, Default)]
pub(crate) struct Context {
    // `None` is the empty context; it keeps the thread-local `const`.
    spaces: Option<PMap<NsId, Space>>,
}

impl Context {
    pub(crate) const EMPTY: Context = Context { spaces: None };

    #[inline]
    pub(crate) fn space(&self, ns: NsId) -> Option<&Space> {
        self.spaces.as_ref()?.get(&ns)
    }

    /// The namespace's space, created by `make` if absent.
    pub(crate) fn space_mut(&mut self, ns: NsId, make: impl FnOnce() -> Space) -> &mut Space {
        self.spaces
            .get_or_insert_with(PMap::default)
            .entry(ns)
            .or_insert_with(make)
    }

    /// The namespace's space if present, for in-place modification.
    pub(crate) fn space_mut_existing(&mut self, ns: NsId) -> Option<&mut Space> {
        self.spaces.as_mut()?.get_mut(&ns)
    }

    /// Replaces (or with `None`, removes) a namespace's whole space.
    pub(crate) fn replace_space(&mut self, ns: NsId, space: Option<Space>) -> Option<Space> {
        match space {
            Some(space) => self
                .spaces
                .get_or_insert_with(PMap::default)
                .insert(ns, space),
            None => self.spaces.as_mut()?.remove(&ns),
        }
    }

    /// Number of namespaces with a value (for `Debug`).
    pub(crate) fn namespaces(&self) -> usize {
        self.spaces.as_ref().map_or(0, PMap::len)
    }
}

/// A context saved by an open frame, restored when the frame ends.
pub(crate) struct Saved {
    id: u64,
    ctx: Context,
}

struct State {
    current: Context,
    /// One entry per open frame, outermost first.
    frames: Vec<Saved>,
    /// Source of frame ids; 0 is never handed out.
    next_id: u64,
}

thread_local! {
    static STATE: RefCell<State> = const {
        RefCell::new(State { current: Context::EMPTY, frames: Vec::new(), next_id: 1 })
    };
}

/// Runs library code `f` on the current context. `None` during teardown.
#[inline]
pub(crate) fn read<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    STATE
        .try_with(|s| s.try_borrow().ok().map(|s| f(&s.current)))
        .ok()
        .flatten()
}

/// Runs library code `f` on the current context, mutably. Whatever `f`
/// returns (typically replaced values) is dropped by the caller, after the
/// borrow ends. `None` (and `f` not run) during teardown.
#[inline]
pub(crate) fn write<R>(f: impl FnOnce(&mut Context) -> R) -> Option<R> {
    STATE
        .try_with(|s| s.try_borrow_mut().ok().map(|mut s| f(&mut s.current)))
        .ok()
        .flatten()
}

/// An O(1) copy of the current context (empty during teardown).
#[inline]
pub(crate) fn current() -> Context {
    read(Context::clone).unwrap_or_default()
}

/// Identifies one open frame: its position in the stack and a unique id, so
/// a frame that was already ended (by ending an outer one) is recognised.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameId {
    depth: usize,
    id: u64,
}

impl FrameId {
    /// A frame id that matches nothing (used during teardown).
    const NONE: FrameId = FrameId {
        depth: usize::MAX,
        id: 0,
    };
}

/// Opens a frame: saves the current context and installs `ctx` (or, with
/// `None`, a copy of the current context) in its place.
pub(crate) fn push_frame(ctx: Option<Context>) -> FrameId {
    let pushed = STATE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        let id = s.next_id;
        s.next_id += 1;
        let saved = match ctx {
            Some(ctx) => std::mem::replace(&mut s.current, ctx),
            None => s.current.clone(),
        };
        let depth = s.frames.len();
        s.frames.push(Saved { id, ctx: saved });
        Some(FrameId { depth, id })
    });
    // During teardown the context given to us is dropped here, outside any borrow.
    pushed.ok().flatten().unwrap_or(FrameId::NONE)
}

/// Ends a frame and every frame opened after it, restoring the context that
/// was current when it was opened. Does nothing if the frame already ended.
pub(crate) fn pop_frame(frame: FrameId) {
    // Contexts left behind are dropped after the borrow ends: they may own
    // the last reference to a user value whose `Drop` reads the context.
    let _left_behind = STATE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        if s.frames.get(frame.depth).is_none_or(|f| f.id != frame.id) {
            return None;
        }
        let (saved, ended) = if frame.depth + 1 == s.frames.len() {
            (s.frames.pop()?, Vec::new())
        } else {
            let mut ended = s.frames.split_off(frame.depth);
            let saved = ended.remove(0);
            (saved, ended)
        };
        let discarded = std::mem::replace(&mut s.current, saved.ctx);
        Some((discarded, ended))
    });
}

/// Exchanges the thread's current context and frame stack with `ctx` and
/// `frames`. Used by owned frames (the wrappers) to move themselves in before
/// a step and out after it. Returns `false` (and exchanges nothing) during
/// teardown.
#[allow(dead_code)] // Used by the Isolated* wrappers (not on this branch yet).
pub(crate) fn swap(ctx: &mut Context, frames: &mut Vec<Saved>) -> bool {
    STATE
        .try_with(|s| {
            let Ok(mut s) = s.try_borrow_mut() else {
                return false;
            };
            std::mem::swap(&mut s.current, ctx);
            std::mem::swap(&mut s.frames, frames);
            true
        })
        .unwrap_or(false)
}
