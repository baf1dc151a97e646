//! [`ContextPreservingExecutor`]: a thread pool whose jobs run in the
//! submitter's context — Python's `loop.run_in_executor` with `contextvars`
//! carried along, which Python itself does not do.
//!
//! # Design
//!
//! **The pool is [`rayon_core::ThreadPool`]**, not a hand-rolled one, and not
//! tokio's blocking pool:
//!
//! * it has exactly `workers` long-lived threads, so "one worker" really
//!   means every job runs on the same thread one after the other, and jobs
//!   are started in submission order (external `spawn`s go through a FIFO
//!   injector);
//! * it needs no async runtime, so the executor is available without the
//!   `tokio` feature, and [`Job::join`], [`shutdown`] and `Drop` may block
//!   anywhere — also on a tokio runtime thread. A dedicated tokio runtime
//!   panics when dropped from async code, and its blocking pool *cancels*
//!   queued jobs at shutdown instead of running them, so "shutdown waits for
//!   queued work" would have to be rebuilt on top of it anyway;
//! * it is maintained with rayon, widely used, and small (`rayon-core`
//!   without the parallel iterators).
//!
//! rayon aborts the process when a `spawn`ed job panics, unless the pool has
//! a panic handler. Every job is therefore run under
//! [`catch_unwind`](std::panic::catch_unwind) and its panic becomes
//! [`ExecutorError::Panicked`]; the pool also gets a handler that ignores
//! whatever could still escape (a panicking `Drop` of a result nobody waits
//! for), so a worker never takes the process down. With `panic = "abort"`
//! there is nothing to catch: a panicking job aborts, as any panic does.
//!
//! **The result channel is [`futures_channel::oneshot`]** (maintained with
//! `futures`, no `unsafe` in our code): its receiver is a runtime-agnostic
//! future, which is what `Job: Future` needs. `tokio::sync::oneshot` was not
//! an option — its `blocking_recv` panics inside a tokio runtime, where
//! `join` must work. For the blocking [`Job::join`] the receiver is polled
//! with a waker that unparks the joining thread (safe code via
//! [`std::task::Wake`]); unlike `futures::executor::block_on` this works
//! inside any executor, tokio's or futures' own.
//!
//! **Bookkeeping** for [`shutdown`] is a `Mutex<(shut down?, pending jobs)>`
//! with a `Condvar`: a submit is admitted or refused atomically with respect
//! to `shutdown`, so every admitted job is waited for and every refused one
//! is a [`ExecutorError::ShutDown`] — never a hang.
//!
//! [`shutdown`]: ContextPreservingExecutor::shutdown

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::num::NonZeroUsize;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{self, Poll, Wake, Waker};
use std::thread::{self, Thread};

use futures_channel::oneshot;

use crate::error::ExecutorError;
use crate::snapshot::Snapshot;

/// A fixed-size thread pool whose jobs run in a fresh copy of the context
/// captured when they were submitted.
///
/// A job sees every value the submitter saw; nothing it changes reaches the
/// submitter, other jobs, or the next job on the same worker thread. Results
/// come back as a [`Job`]: [`join`](Job::join) it from synchronous code or
/// `.await` it from async code.
///
/// ```
/// use context_core::{ContextLocal, ContextPreservingExecutor};
///
/// static REQUEST: ContextLocal = ContextLocal::named("request");
///
/// let executor = ContextPreservingExecutor::new(2);
/// REQUEST.set("id", 42_u64);
/// let job = executor.submit(|| {
///     let id = REQUEST.get::<u64>("id");
///     REQUEST.set("id", 0_u64); // discarded when the job ends
///     id
/// });
/// assert_eq!(job.join(), Ok(Some(42)));
/// assert_eq!(REQUEST.get::<u64>("id"), Some(42));
/// ```
///
/// From async code, the `run_in_executor` pattern:
///
/// ```
/// # use context_core::{ContextLocal, ContextPreservingExecutor};
/// # static REQUEST: ContextLocal = ContextLocal::named("request");
/// # let executor = ContextPreservingExecutor::new(2);
/// # futures::executor::block_on(async {
/// REQUEST.set("id", 7_u64);
/// let id = executor.submit(|| REQUEST.get::<u64>("id")).await;
/// assert_eq!(id, Ok(Some(7)));
/// # });
/// ```
///
/// # Shutting down
///
/// [`shutdown`](Self::shutdown) (and `Drop`, which calls it) refuses new jobs
/// and blocks until every job already submitted has finished. Jobs that would
/// wait for a job of the same executor can deadlock a pool whose workers are
/// all busy, as with any fixed-size pool.
pub struct ContextPreservingExecutor {
    pool: rayon_core::ThreadPool,
    state: Arc<State>,
    workers: usize,
}

impl ContextPreservingExecutor {
    /// Starts a pool of `workers` threads (named `context-executor-N`).
    ///
    /// # Panics
    ///
    /// If `workers` is 0, or if the OS refuses to create the threads (as
    /// [`std::thread::spawn`] does).
    ///
    /// ```
    /// # use context_core::ContextPreservingExecutor;
    /// let executor = ContextPreservingExecutor::new(4);
    /// assert_eq!(executor.submit(|| 1 + 1).join(), Ok(2));
    /// ```
    #[must_use]
    pub fn new(workers: usize) -> Self {
        assert!(
            workers > 0,
            "ContextPreservingExecutor needs at least one worker"
        );
        let pool = rayon_core::ThreadPoolBuilder::new()
            .num_threads(workers)
            .thread_name(|i| format!("context-executor-{i}"))
            // Jobs catch their own panics; this only swallows what could
            // still escape (e.g. a panicking drop of an unclaimed result)
            // instead of letting rayon abort the process.
            .panic_handler(drop)
            .build()
            .unwrap_or_else(|err| panic!("failed to start executor threads: {err}"));
        ContextPreservingExecutor {
            pool,
            state: Arc::new(State::default()),
            workers,
        }
    }

    /// Submits `f`, to run on a worker in a fresh copy of the current context.
    ///
    /// The context is captured now, at the call. After
    /// [`shutdown`](Self::shutdown) the job does not run and resolves to
    /// [`ExecutorError::ShutDown`].
    ///
    /// ```
    /// # use context_core::{ContextLocal, ContextPreservingExecutor, ExecutorError};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// let executor = ContextPreservingExecutor::new(1);
    /// CTX.set("n", 1_u32);
    /// let first = executor.submit(|| {
    ///     CTX.set("n", 99_u32); // dies with the job
    ///     CTX.get::<u32>("n")
    /// });
    /// let second = executor.submit(|| CTX.get::<u32>("n")); // same worker, clean copy
    /// assert_eq!((first.join(), second.join()), (Ok(Some(99)), Ok(Some(1))));
    ///
    /// executor.shutdown();
    /// assert_eq!(executor.submit(|| ()).join(), Err(ExecutorError::ShutDown));
    /// ```
    pub fn submit<F, R>(&self, f: F) -> Job<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let Some(ticket) = Ticket::admit(&self.state) else {
            // The receiver is right here: sending cannot fail.
            let _ = tx.send(Err(ExecutorError::ShutDown));
            return Job { rx };
        };
        let job = Snapshot::current().bind(f);
        self.pool.spawn(move || {
            // Dropped last, also on unwind: the job counts as pending until
            // its result is in the channel.
            let _ticket = ticket;
            let result = panic::catch_unwind(AssertUnwindSafe(job))
                .map_err(|payload| ExecutorError::Panicked(panic_message(payload)));
            // The `Job` may have been dropped; then nobody wants the result.
            let _ = tx.send(result);
        });
        Job { rx }
    }

    /// Runs `f` on every input, each in its own job and its own fresh copy of
    /// the current context, and waits for all of them. Results are in input
    /// order, whatever order the jobs finish in.
    ///
    /// Blocks the calling thread, like [`Job::join`].
    ///
    /// ```
    /// # use context_core::{ContextLocal, ContextPreservingExecutor};
    /// # static CTX: ContextLocal = ContextLocal::new();
    /// let executor = ContextPreservingExecutor::new(2);
    /// CTX.set("factor", 10_u32);
    /// let results = executor.map(1..=3_u32, |x| x * CTX.get::<u32>("factor").unwrap());
    /// assert_eq!(results, [Ok(10), Ok(20), Ok(30)]);
    /// ```
    pub fn map<I, F, R>(&self, inputs: I, f: F) -> Vec<Result<R, ExecutorError>>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> R + Send + Sync + 'static,
        R: Send + 'static,
    {
        let f = Arc::new(f);
        let jobs: Vec<Job<R>> = inputs
            .into_iter()
            .map(|input| {
                let f = Arc::clone(&f);
                self.submit(move || f(input))
            })
            .collect();
        jobs.into_iter().map(Job::join).collect()
    }

    /// Refuses new jobs and blocks until every job submitted so far has
    /// finished. Idempotent; `Drop` calls it too.
    ///
    /// Called from one of this executor's own jobs, it refuses new jobs but
    /// does not wait (it would wait for itself).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use std::sync::atomic::{AtomicUsize, Ordering};
    /// # use context_core::ContextPreservingExecutor;
    /// let executor = ContextPreservingExecutor::new(2);
    /// let done = Arc::new(AtomicUsize::new(0));
    /// for _ in 0..10 {
    ///     let done = Arc::clone(&done);
    ///     drop(executor.submit(move || done.fetch_add(1, Ordering::SeqCst)));
    /// }
    /// executor.shutdown();
    /// assert_eq!(done.load(Ordering::SeqCst), 10);
    /// ```
    pub fn shutdown(&self) {
        let mut counts = self.state.lock();
        counts.shut_down = true;
        if self.pool.current_thread_index().is_some() {
            return;
        }
        while counts.pending > 0 {
            counts = self
                .state
                .idle
                .wait(counts)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Default for ContextPreservingExecutor {
    /// One worker per unit of [available parallelism]
    /// (1 if it cannot be determined).
    ///
    /// [available parallelism]: std::thread::available_parallelism
    fn default() -> Self {
        Self::new(thread::available_parallelism().map_or(1, NonZeroUsize::get))
    }
}

impl Drop for ContextPreservingExecutor {
    /// Waits for queued work, like [`shutdown`](Self::shutdown).
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl fmt::Debug for ContextPreservingExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = self.state.lock();
        f.debug_struct("ContextPreservingExecutor")
            .field("workers", &self.workers)
            .field("pending", &counts.pending)
            .field("shut_down", &counts.shut_down)
            .finish()
    }
}

/// The result of a job submitted to a [`ContextPreservingExecutor`].
///
/// [`join`](Self::join) it to block for the result, or `.await` it (any
/// runtime). Dropping a `Job` does not cancel the job; its result is
/// discarded.
///
/// ```
/// # use context_core::{ContextPreservingExecutor, ExecutorError};
/// let executor = ContextPreservingExecutor::new(1);
/// let job = executor.submit(|| -> u32 { panic!("boom") });
/// assert_eq!(job.join(), Err(ExecutorError::Panicked("boom".into())));
/// assert_eq!(executor.submit(|| 1).join(), Ok(1)); // the pool keeps working
/// ```
#[must_use = "a job's result, or its panic, is lost unless you `join` or `.await` it"]
pub struct Job<R> {
    rx: oneshot::Receiver<Result<R, ExecutorError>>,
}

impl<R> Job<R> {
    /// Blocks the current thread until the job has finished.
    ///
    /// Returns [`ExecutorError::Panicked`] with the panic message if the job
    /// panicked, and [`ExecutorError::ShutDown`] if it was submitted after
    /// [`shutdown`](ContextPreservingExecutor::shutdown). It blocks without
    /// involving any runtime, so it also works on a tokio runtime thread
    /// (where it holds up that thread's other tasks while it waits).
    ///
    /// ```
    /// # use context_core::ContextPreservingExecutor;
    /// let executor = ContextPreservingExecutor::new(1);
    /// assert_eq!(executor.submit(|| "done").join(), Ok("done"));
    /// ```
    pub fn join(mut self) -> Result<R, ExecutorError> {
        let waker = Waker::from(Arc::new(Unparker(thread::current())));
        let mut cx = task::Context::from_waker(&waker);
        loop {
            match Pin::new(&mut self).poll(&mut cx) {
                Poll::Ready(result) => return result,
                // Spurious wake-ups are fine: the loop polls again.
                Poll::Pending => thread::park(),
            }
        }
    }
}

impl<R> Future for Job<R> {
    type Output = Result<R, ExecutorError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut task::Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx).poll(cx).map(|received| {
            // The sender is only dropped unsent if the worker unwound past
            // `catch_unwind` (a panic payload that panics when dropped):
            // rayon never drops a spawned job without running it.
            received.unwrap_or_else(|_canceled| {
                Err(ExecutorError::Panicked(
                    "job ended without a result".to_owned(),
                ))
            })
        })
    }
}

impl<R> fmt::Debug for Job<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job").finish_non_exhaustive()
    }
}

/// Wakes a thread blocked in [`Job::join`].
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Shutdown bookkeeping shared by the executor and its queued jobs.
#[derive(Default)]
struct State {
    counts: Mutex<Counts>,
    /// Notified when `pending` drops to 0.
    idle: Condvar,
}

#[derive(Default)]
struct Counts {
    shut_down: bool,
    /// Jobs admitted and not finished yet (queued or running).
    pending: usize,
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Counts> {
        // No code panics while holding the lock; recover anyway.
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One admitted job; finishing (dropping) it may wake `shutdown`.
struct Ticket(Arc<State>);

impl Ticket {
    /// Admits a job, unless the executor is shut down.
    fn admit(state: &Arc<State>) -> Option<Ticket> {
        let mut counts = state.lock();
        if counts.shut_down {
            return None;
        }
        counts.pending += 1;
        Some(Ticket(Arc::clone(state)))
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = self.0.lock();
        counts.pending -= 1;
        if counts.pending == 0 {
            self.0.idle.notify_all();
        }
    }
}

/// The message of a panic with a `&str` or `String` payload.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(msg) => *msg,
        Err(payload) => match payload.downcast_ref::<&'static str>() {
            Some(msg) => (*msg).to_owned(),
            None => "non-string panic payload".to_owned(),
        },
    }
}
