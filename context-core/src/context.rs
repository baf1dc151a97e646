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

/// An immutable snapshot of every namespace. Cloning is O(1); an empty one
/// does not allocate.
#[derive(Clone, Default)]
pub(crate) struct Context {
    slots: PMap<SlotKey, Entry>,
}

impl Context {
    #[inline]
    pub(crate) fn get<Q: Hash + Equivalent<SlotKey> + ?Sized>(&self, key: &Q) -> Option<&Entry> {
        self.slots.get(key)
    }

    #[inline]
    pub(crate) fn get_mut<Q: Hash + Equivalent<SlotKey> + ?Sized>(
        &mut self,
        key: &Q,
    ) -> Option<&mut Entry> {
        self.slots.get_mut(key)
    }

    /// Sets a slot, returning the entry it replaces.
    pub(crate) fn insert(&mut self, key: SlotKey, entry: Entry) -> Option<Entry> {
        self.slots.insert(key, entry)
    }

    /// The slot's entry, created by `make` if absent.
    pub(crate) fn get_or_insert_with(
        &mut self,
        key: SlotKey,
        make: impl FnOnce() -> Entry,
    ) -> &mut Entry {
        self.slots.entry(key).or_insert_with(make)
    }

    pub(crate) fn remove<Q: Hash + Equivalent<SlotKey> + ?Sized>(
        &mut self,
        key: &Q,
    ) -> Option<Entry> {
        self.slots.remove(key)
    }

    /// Every slot, in no particular order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&SlotKey, &Entry)) {
        self.slots.iter().for_each(|(k, e)| f(k, e));
    }

    /// Number of slots with a value (for `Debug`).
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }
}

/// The thread's current context. Behind an `Rc` so that a read can keep the
/// context alive *without* holding the `RefCell` borrow while user code
/// (`T::clone`) runs, at the price of a non-atomic increment. `None` is the
/// empty context (it keeps the thread-local `const`): reads of it find
/// nothing.
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
    /// One entry per open frame, outermost first. During a step of an owned
    /// frame, the entries below `floor` belong to the stack the step
    /// interrupted and are out of reach; the owned frame's own open frames
    /// (if any) sit above it.
    frames: Vec<Saved>,
    /// Where the running step's frames start (0 outside any step).
    floor: usize,
    /// How many owned-frame steps are running on this thread.
    steps: usize,
    /// Source of frame ids, see [`next_frame_id`]; 0 means "no block yet".
    next_id: u64,
    /// Frames whose guard was dropped during a step while they were below
    /// the floor (a guard moved into a future, iterator or stream): they are
    /// ended when the step that hid them returns.
    orphans: Vec<FrameId>,
}

thread_local! {
    static STATE: RefCell<State> = const {
        RefCell::new(State {
            current: None,
            frames: Vec::new(),
            floor: 0,
            steps: 0,
            next_id: 0,
            orphans: Vec::new(),
        })
    };
}

/// A copy of a (possibly empty) current context.
fn copy_of(current: &Current) -> Context {
    current.as_deref().cloned().unwrap_or_default()
}

/// Runs `f` on the current context; `f` may run user code (`T::clone`): no
/// borrow is held while it runs, the context is kept alive by an `Rc`
/// instead. `None` if the context is empty, and during teardown.
#[inline]
pub(crate) fn read<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    STATE
        .try_with(|s| {
            let current = s.try_borrow().ok()?.current.clone()?;
            Some(f(&current))
        })
        .ok()
        .flatten()
}

/// Runs library code `f` on the current context under the borrow (no `Rc`
/// traffic). `f` must not run user code. `None` if the context is empty,
/// and during teardown.
#[inline]
pub(crate) fn peek<R>(f: impl FnOnce(&Context) -> R) -> Option<R> {
    STATE
        .try_with(|s| Some(f(s.try_borrow().ok()?.current.as_deref()?)))
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
            let current = s.current.get_or_insert_with(Rc::default);
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

/// Identifies one open frame: its position in the stack (relative to the
/// floor of the step it was opened in, so that an owned frame's open frames
/// keep their position whichever thread stack they are placed on) and a
/// unique id, so that a frame that was already ended is recognised.
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
        let depth = s.frames.len() - s.floor;
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
    // Fast path: the innermost frame of the running stack (every `run`).
    // The discarded context is dropped after the borrow ends: it may own the
    // last reference to a user value whose `Drop` reads the context.
    let innermost = STATE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        let at = s.floor.checked_add(frame.depth)?;
        if at + 1 != s.frames.len() || s.frames[at].id != frame.id {
            return None;
        }
        let saved = s.frames.pop()?;
        Some(std::mem::replace(&mut s.current, saved.ctx))
    });
    if let Ok(None) = innermost {
        pop_frame_slow(frame);
    }
}

#[cold]
fn pop_frame_slow(frame: FrameId) {
    let _left_behind = STATE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        let ended = end_frame(&mut s, frame);
        if ended.is_none() && s.steps > 0 && frame.id != 0 {
            // Not on the running step's stack: it may be on a stack that a
            // step hid; end it when that stack is back in reach.
            s.orphans.push(frame);
        }
        ended
    });
}

/// What ending a frame leaves behind: the discarded context and the frames
/// opened after it. Dropped by the caller once no borrow is held.
type LeftBehind = (Current, Vec<Saved>);

/// Ends `frame` and every frame opened after it, if it is on the running
/// step's stack.
fn end_frame(s: &mut State, frame: FrameId) -> Option<LeftBehind> {
    let at = s.floor.checked_add(frame.depth)?;
    if s.frames.get(at).is_none_or(|f| f.id != frame.id) {
        return None;
    }
    let (saved, ended) = if at + 1 == s.frames.len() {
        (s.frames.pop()?, Vec::new())
    } else {
        let mut ended = s.frames.split_off(at);
        let saved = ended.remove(0);
        (saved, ended)
    };
    let discarded = std::mem::replace(&mut s.current, saved.ctx);
    Some((discarded, ended))
}

/// Exchanges the thread's current context with `ctx`, without allocating
/// when nothing shares the thread's `Rc` (the usual case). Returns what the
/// caller must drop after the borrow ends.
#[inline]
fn exchange(s: &mut State, ctx: &mut Context) -> Current {
    if let Some(current) = s.current.as_mut().and_then(Rc::get_mut) {
        std::mem::swap(current, ctx);
        return None;
    }
    // Shared with a saved frame (or empty): hand out a copy and install
    // `ctx` in a new `Rc`; later exchanges then take the fast path.
    let copy = copy_of(&s.current);
    let installed = Rc::new(std::mem::replace(ctx, copy));
    s.current.replace(installed)
}

/// Where a step started: restored by [`leave_step`].
#[derive(Debug, Clone, Copy)]
#[must_use]
pub(crate) struct StepToken {
    floor: usize,
}

/// Installs an owned frame (its context, and its open frames above a new
/// floor) for one step. `None` (nothing installed) during teardown.
#[inline(always)]
pub(crate) fn enter_step(ctx: &mut Context, frames: &mut Vec<SendSaved>) -> Option<StepToken> {
    // Fast path, taken by every poll unless a guard is kept open across
    // steps or the thread's context is shared: no allocation, nothing to drop.
    let fast = STATE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        if !frames.is_empty() {
            return None;
        }
        std::mem::swap(s.current.as_mut().and_then(Rc::get_mut)?, ctx);
        let token = StepToken { floor: s.floor };
        s.floor = s.frames.len();
        s.steps += 1;
        Some(token)
    });
    match fast {
        Ok(Some(token)) => Some(token),
        Ok(None) => enter_step_slow(ctx, frames),
        Err(_) => None,
    }
}

#[cold]
fn enter_step_slow(ctx: &mut Context, frames: &mut Vec<SendSaved>) -> Option<StepToken> {
    let left = STATE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        let replaced = exchange(&mut s, ctx);
        let token = StepToken { floor: s.floor };
        s.floor = s.frames.len();
        s.steps += 1;
        // A guard kept open across steps.
        s.frames.extend(frames.drain(..).map(|f| Saved {
            id: f.id,
            ctx: Some(Rc::new(f.ctx)),
        }));
        Some((token, replaced))
    });
    let (token, _replaced) = left.ok().flatten()?;
    Some(token)
}

/// Takes an owned frame back off the thread after a step (its context, and
/// the frames still open above the floor), restoring the interrupted stack.
#[inline(always)]
pub(crate) fn leave_step(ctx: &mut Context, frames: &mut Vec<SendSaved>, token: StepToken) {
    let fast = STATE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        if s.frames.len() != s.floor || !s.orphans.is_empty() {
            return None;
        }
        std::mem::swap(s.current.as_mut().and_then(Rc::get_mut)?, ctx);
        s.floor = token.floor;
        s.steps -= 1;
        Some(())
    });
    if let Ok(None) = fast {
        leave_step_slow(ctx, frames, token);
    }
}

#[cold]
fn leave_step_slow(ctx: &mut Context, frames: &mut Vec<SendSaved>, token: StepToken) {
    let _left_behind = STATE.try_with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        let replaced = exchange(&mut s, ctx);
        let mut kept = Vec::new();
        if s.frames.len() > s.floor {
            // Frames that leave the thread must not hold an `Rc`; the
            // thread-side entries are dropped after the borrow ends.
            let floor = s.floor;
            kept = s.frames.split_off(floor);
            frames.extend(kept.iter().map(|f| SendSaved {
                id: f.id,
                ctx: copy_of(&f.ctx),
            }));
        }
        s.floor = token.floor;
        s.steps -= 1;
        let mut orphans_ended = Vec::new();
        for frame in std::mem::take(&mut s.orphans) {
            match end_frame(&mut s, frame) {
                Some(left) => orphans_ended.push(left),
                None if s.steps > 0 => s.orphans.push(frame),
                None => {}
            }
        }
        Some((replaced, kept, orphans_ended))
    });
}
