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
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use std::hash::Hash;

use equivalent::Equivalent;

use crate::backend::{Entry, PMap, SlotKey};

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
    slots: Option<PMap<SlotKey, Entry>>,
}

impl Context {
    pub(crate) const EMPTY: Context = Context { slots: None };

    #[inline]
    pub(crate) fn get<Q: Hash + Equivalent<SlotKey> + ?Sized>(&self, key: &Q) -> Option<&Entry> {
        self.slots.as_ref()?.get(key)
    }

    #[inline]
    pub(crate) fn get_mut<Q: Hash + Equivalent<SlotKey> + ?Sized>(
        &mut self,
        key: &Q,
    ) -> Option<&mut Entry> {
        self.slots.as_mut()?.get_mut(key)
    }

    /// Sets a slot, returning the entry it replaces.
    pub(crate) fn insert(&mut self, key: SlotKey, entry: Entry) -> Option<Entry> {
        self.slots
            .get_or_insert_with(PMap::default)
            .insert(key, entry)
    }

    /// The slot's entry, created by `make` if absent.
    pub(crate) fn get_or_insert_with(
        &mut self,
        key: SlotKey,
        make: impl FnOnce() -> Entry,
    ) -> &mut Entry {
        self.slots
            .get_or_insert_with(PMap::default)
            .entry(key)
            .or_insert_with(make)
    }

    pub(crate) fn remove<Q: Hash + Equivalent<SlotKey> + ?Sized>(
        &mut self,
        key: &Q,
    ) -> Option<Entry> {
        self.slots.as_mut()?.remove(key)
    }

    /// Every slot, in no particular order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&SlotKey, &Entry)) {
        if let Some(slots) = &self.slots {
            slots.iter().for_each(|(k, e)| f(k, e));
        }
    }

    /// Number of slots with a value (for `Debug`).
    pub(crate) fn len(&self) -> usize {
        self.slots.as_ref().map_or(0, PMap::len)
    }
}

/// The thread's current context. Behind an `Rc` so that a read can keep the
/// context alive *without* holding the `RefCell` borrow while user code
/// (`T::clone`) runs, at the price of a non-atomic increment. `None` is the
/// empty context (it keeps the thread-local `const`).
type Current = Option<Rc<Context>>;

/// A context saved by an open frame, restored when the frame ends.
pub(crate) struct Saved {
    id: u64,
    ctx: Current,
}

/// A [`Saved`] frame that can leave the thread with its owner (a wrapper).
pub(crate) struct SendSaved {
    id: u64,
    ctx: Context,
}

struct State {
    current: Current,
    /// One entry per open frame, outermost first.
    frames: Vec<Saved>,
    /// Source of frame ids, see [`next_frame_id`]; 0 means "no block yet".
    next_id: u64,
    /// How many owned-frame steps are running on this thread (each one has
    /// moved the frame stack it interrupted out of `frames`).
    steps: usize,
    /// Frames whose guard was dropped during a step while their stack was
    /// moved out (a guard moved into a future, iterator or stream): they are
    /// ended when their stack is moved back in.
    orphans: Vec<FrameId>,
}

thread_local! {
    static STATE: RefCell<State> = const {
        RefCell::new(State {
            current: None,
            frames: Vec::new(),
            next_id: 0,
            steps: 0,
            orphans: Vec::new(),
        })
    };
}

fn as_context(current: &Current) -> &Context {
    current.as_deref().unwrap_or(&Context::EMPTY)
}

/// Runs `f` on the current context; `f` may run user code (`T::clone`): no
/// borrow is held while it runs, the context is kept alive by an `Rc`
/// instead. `None` during teardown.
#[inline]
pub(crate) fn read<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    STATE
        .try_with(|s| {
            let current = s.try_borrow().ok()?.current.clone();
            Some(f(as_context(&current)))
        })
        .ok()
        .flatten()
}

/// Runs library code `f` on the current context under the borrow (no `Rc`
/// traffic). `f` must not run user code. `None` during teardown.
#[inline]
pub(crate) fn peek<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    STATE
        .try_with(|s| s.try_borrow().ok().map(|s| f(as_context(&s.current))))
        .ok()
        .flatten()
}

/// Runs library code `f` on the current context, mutably (copy-on-write if a
/// frame or a reader shares it). Whatever `f` returns (typically replaced
/// values) is dropped by the caller, after the borrow ends. `None` (and `f`
/// not run) during teardown.
#[inline]
pub(crate) fn write<R>(f: impl FnOnce(&mut Context) -> R) -> Option<R> {
    STATE
        .try_with(|s| {
            let mut s = s.try_borrow_mut().ok()?;
            let current = s.current.get_or_insert_with(|| Rc::new(Context::EMPTY));
            Some(f(Rc::make_mut(current)))
        })
        .ok()
        .flatten()
}

/// An O(1) copy of the current context (empty during teardown).
#[inline]
pub(crate) fn current() -> Context {
    peek(Context::clone).unwrap_or_default()
}

/// A frame id unique in the process, not just on this thread: a wrapper
/// that still holds open frames (a guard leaked with `mem::forget`) may move
/// to another thread. Each thread takes blocks of 2^32 ids from a global
/// counter, so the hot path stays a thread-local increment.
#[inline]
fn next_frame_id(next: &mut u64) -> u64 {
    const BLOCK_BITS: u32 = 32;
    if *next & ((1 << BLOCK_BITS) - 1) == 0 {
        // Block 0 is never handed out, so no id is 0.
        static BLOCKS: AtomicU64 = AtomicU64::new(1);
        *next = BLOCKS.fetch_add(1, Ordering::Relaxed) << BLOCK_BITS;
        *next += 1;
    }
    let id = *next;
    *next += 1;
    id
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
#[inline]
pub(crate) fn push_frame(ctx: Option<Context>) -> FrameId {
    let pushed = STATE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        let id = next_frame_id(&mut s.next_id);
        let saved = match ctx {
            Some(ctx) => s.current.replace(Rc::new(ctx)),
            // Sharing the `Rc` is the O(1) copy; the first write copies on write.
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
#[inline]
pub(crate) fn pop_frame(frame: FrameId) {
    // Contexts left behind are dropped after the borrow ends: they may own
    // the last reference to a user value whose `Drop` reads the context.
    let _left_behind = STATE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        let ended = end_frame(&mut s, frame);
        if ended.is_none() && s.steps > 0 && frame.id != 0 {
            // Not on the installed stack: it may be on a stack that a step
            // moved out; end it when that stack is moved back in.
            s.orphans.push(frame);
        }
        ended
    });
}

/// What ending a frame leaves behind: the discarded context and the frames
/// opened after it. Dropped by the caller once no borrow is held.
type LeftBehind = (Current, Vec<Saved>);

/// Ends `frame` and every frame opened after it if it is on the installed
/// stack.
fn end_frame(s: &mut State, frame: FrameId) -> Option<LeftBehind> {
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
}

/// Exchanges the thread's current context and frame stack with `ctx` and
/// `frames`. Used by owned frames (the wrappers) to move themselves in before
/// a step (`entering`) and out after it; calling it twice restores the
/// thread. Returns `false` (and exchanges nothing) during teardown.
#[inline]
pub(crate) fn swap(ctx: &mut Context, frames: &mut Vec<SendSaved>, entering: bool) -> bool {
    let swapped = STATE.try_with(|s| {
        let Ok(mut s) = s.try_borrow_mut() else {
            return None;
        };
        let replaced = match s.current.as_mut().and_then(Rc::get_mut) {
            // The usual case: nobody shares the thread's context; exchange
            // the contents of its `Rc` without allocating.
            Some(current) => {
                std::mem::swap(current, ctx);
                None
            }
            // Shared with a saved frame (or empty): hand out a copy, install
            // `ctx` in a new `Rc`.
            None => {
                let copy = as_context(&s.current).clone();
                let installed = Rc::new(std::mem::replace(ctx, copy));
                s.current.replace(installed)
            }
        };
        // Rare: a guard kept open across a step. Frames that leave the
        // thread must not hold an `Rc`; the thread-side entries are dropped
        // after the borrow ends.
        let mut moved_out = Vec::new();
        if !(s.frames.is_empty() && frames.is_empty()) {
            moved_out = std::mem::take(&mut s.frames);
            s.frames = frames
                .drain(..)
                .map(|f| Saved {
                    id: f.id,
                    ctx: Some(Rc::new(f.ctx)),
                })
                .collect();
            *frames = moved_out
                .iter()
                .map(|f| SendSaved {
                    id: f.id,
                    ctx: as_context(&f.ctx).clone(),
                })
                .collect();
        }
        // Guards dropped during the step whose frame is on the stack just
        // moved back in.
        let mut orphans_ended = Vec::new();
        if entering {
            s.steps += 1;
        } else {
            s.steps = s.steps.saturating_sub(1);
            if !s.orphans.is_empty() {
                for frame in std::mem::take(&mut s.orphans) {
                    match end_frame(&mut s, frame) {
                        Some(left) => orphans_ended.push(left),
                        None if s.steps > 0 => s.orphans.push(frame),
                        None => {}
                    }
                }
            }
        }
        Some((replaced, moved_out, orphans_ended))
    });
    matches!(swapped, Ok(Some(_)))
}
