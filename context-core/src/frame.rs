//! Frames: [`FrameGuard`] for scoped frames on the thread's stack, and
//! [`OwnedFrame`] for frames that live inside a future, stream or iterator
//! and are moved onto the thread only while it runs.

use std::fmt;
use std::marker::PhantomData;

use crate::context::{self, Context, FrameId, SendSaved, StepToken};

/// An open frame; dropping it ends the frame and restores the context that
/// was current when it was entered.
///
/// Returned by [`ContextLocal::enter`](crate::ContextLocal::enter),
/// [`ContextMap::enter`](crate::ContextMap::enter) and
/// [`Snapshot::enter`](crate::Snapshot::enter). Every change made while the
/// guard is alive — to any local, key or map — is discarded when it drops,
/// also when it drops during unwinding.
///
/// Guards nest to any depth. They are meant to be dropped in reverse order of
/// creation; if they are not, state still never gets corrupted:
///
/// * dropping a guard ends its frame **and every frame entered after it**
///   (on this thread's frame stack), restoring the context saved by this guard;
/// * dropping a guard whose frame was already ended that way does nothing;
/// * a guard moved into a future, stream or iterator that owns its frame and
///   dropped during one of its steps ends its frame when that step returns
///   (the thread's frame stack is moved out while the step runs).
///
/// A guard is `!Send`: a frame belongs to the thread it was entered on. Inside
/// a future, stream or iterator that owns its frame (the `Isolated*`
/// wrappers), the frame stack belongs to that wrapper, so a guard held across
/// an `.await` keeps working when the task is polled again.
///
/// ```
/// use context_core::ContextLocal;
///
/// static CTX: ContextLocal = ContextLocal::new();
/// CTX.set("user", "ann");
/// {
///     let _frame = CTX.enter();
///     CTX.set("user", "bob");
///     assert_eq!(CTX.get::<&str>("user"), Some("bob"));
/// }
/// assert_eq!(CTX.get::<&str>("user"), Some("ann"));
/// ```
#[must_use = "the frame ends as soon as the guard is dropped"]
pub struct FrameGuard {
    frame: FrameId,
    /// `!Send + !Sync`: the frame lives on this thread's stack.
    _not_send: PhantomData<*const ()>,
}

impl FrameGuard {
    /// Enters a frame holding `ctx`, or a copy of the current context.
    pub(crate) fn enter(ctx: Option<Context>) -> Self {
        FrameGuard {
            frame: context::push_frame(ctx),
            _not_send: PhantomData,
        }
    }
}

impl Drop for FrameGuard {
    fn drop(&mut self) {
        context::pop_frame(self.frame);
    }
}

impl fmt::Debug for FrameGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameGuard").finish_non_exhaustive()
    }
}

/// Runs `f` in a new frame holding `ctx` (or a copy of the current context).
#[inline]
pub(crate) fn run<R>(ctx: Option<Context>, f: impl FnOnce() -> R) -> R {
    let _frame = FrameGuard::enter(ctx);
    f()
}

/// A frame owned by a value (a wrapper) rather than by the thread: its
/// context and its own frame stack are moved onto the thread for each step
/// and moved back out afterwards, keeping whatever the step changed.
pub(crate) struct OwnedFrame {
    current: Context,
    frames: Vec<SendSaved>,
}

impl OwnedFrame {
    pub(crate) fn new(ctx: Context) -> Self {
        OwnedFrame {
            current: ctx,
            frames: Vec::new(),
        }
    }

    /// Runs `f` with this frame installed on the thread. The thread's own
    /// context is restored afterwards, also if `f` panics.
    #[inline]
    pub(crate) fn step<R>(&mut self, f: impl FnOnce() -> R) -> R {
        struct Leave<'a> {
            frame: &'a mut OwnedFrame,
            token: Option<StepToken>,
        }
        impl Drop for Leave<'_> {
            #[inline(always)]
            fn drop(&mut self) {
                if let Some(token) = self.token.take() {
                    context::leave_step(&mut self.frame.current, &mut self.frame.frames, token);
                }
            }
        }
        // `None` during thread-local teardown: there is no context to install.
        let token = context::enter_step(&mut self.current, &mut self.frames);
        let _leave = Leave { frame: self, token };
        f()
    }
}

impl fmt::Debug for OwnedFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedFrame")
            .field("slots", &self.current.len())
            .field("open_frames", &self.frames.len())
            .finish()
    }
}
