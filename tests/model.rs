//! Model-based tests: random programs run against the library and against a
//! small reference model (a stack of `BTreeMap`s), for both backends. Every
//! observation is compared after every operation.
//!
//! * `sync_*`: nested `run` / `enter` (guards dropped in and out of order),
//!   snapshots, `bind` / `bind_fn`, panicking frames, `ContextLocal`,
//!   `ContextMap` (defaults, `clear`), `ContextKey`.
//! * `async_*`: random interleavings of hand-polled `IsolatedFuture`s,
//!   `IsolatedStream`s and `IsolatedIter`s, each checking it only ever sees its
//!   own frame, while the driver checks its own context is unchanged by every
//!   poll.

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context as TaskCx, Poll, Waker};

use context_core::{
    Backend, ContextError, ContextKey, ContextLocal, ContextMap, FrameGuard, IsolatedFuture,
    IsolatedIter, IsolatedStream, Snapshot, isolated,
};
use context_core_tests::YieldOnce;
use futures::Stream;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

const KEYS: [&str; 4] = ["a", "b", "c", "d"];
const DEFAULTS: [(&str, u32); 2] = [("a", 100), ("b", 101)];

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2000,
        // `tests/model.proptest-regressions`, committed when a failure is
        // found: every run replays it first.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

/// The payload of a planned panic (`resume_unwind` skips the panic hook, so
/// planned panics print nothing; any other panic is a failed assertion).
struct Planned;

fn catch_planned(f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        if !payload.is::<Planned>() {
            resume_unwind(payload);
        }
    }
}

// ---------------------------------------------------------------- the model

#[derive(Clone, Debug, PartialEq, Eq)]
enum Val {
    U(u32),
    S(String),
}

/// What one context shows: the reference model. Frames are plain copies.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Ctx {
    locals: [BTreeMap<&'static str, Val>; 2],
    /// The map's visible content, defaults included.
    map: BTreeMap<&'static str, u32>,
    key: Option<u32>,
}

impl Ctx {
    /// A new thread's (or `Snapshot::empty()`'s) context.
    fn empty() -> Self {
        Ctx {
            locals: Default::default(),
            map: DEFAULTS.into_iter().collect(),
            key: None,
        }
    }
}

/// The library side: two locals of the backend under test, a map with
/// defaults and a key. Fresh namespaces for every case.
struct Lib {
    locals: [ContextLocal; 2],
    map: ContextMap<u32>,
    key: ContextKey<u32>,
}

impl Lib {
    fn new(backend: Backend) -> Self {
        Lib {
            locals: [
                ContextLocal::with_backend(backend),
                ContextLocal::with_backend(backend),
            ],
            map: ContextMap::with_defaults(DEFAULTS),
            key: ContextKey::new("key"),
        }
    }

    /// Everything the current context shows, through every read API, which
    /// must agree with each other.
    fn dump(&self) -> Ctx {
        let mut ctx = Ctx {
            locals: Default::default(),
            map: BTreeMap::new(),
            key: self.key.get(),
        };
        for (n, local) in self.locals.iter().enumerate() {
            let mut listed = Vec::new();
            for k in KEYS {
                let v = match (local.get::<u32>(k), local.get::<String>(k)) {
                    (Some(u), None) => Some(Val::U(u)),
                    (None, Some(s)) => Some(Val::S(s)),
                    (None, None) => None,
                    both => panic!("{k} has two types: {both:?}"),
                };
                assert_eq!(local.contains(k), v.is_some(), "contains({k})");
                if let Some(v) = v {
                    listed.push(k.to_owned());
                    ctx.locals[n].insert(k, v);
                }
            }
            assert_eq!(local.keys(), listed, "keys() of local {n}");
        }
        let entries = self.map.entries();
        for k in KEYS {
            let e = entries.iter().find(|(ek, _)| ek == k).map(|(_, v)| *v);
            assert_eq!(self.map.get(k), e, "map.get({k})");
            assert_eq!(
                self.map.contains_key(k),
                e.is_some(),
                "map.contains_key({k})"
            );
        }
        let keys: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
        let values: Vec<u32> = entries.iter().map(|(_, v)| *v).collect();
        assert_eq!(self.map.keys(), keys);
        assert_eq!(self.map.values(), values);
        assert_eq!(self.map.len(), entries.len());
        assert_eq!(self.map.is_empty(), entries.is_empty());
        for (k, v) in entries {
            let k = KEYS.into_iter().find(|x| *x == k).expect("unknown map key");
            ctx.map.insert(k, v);
        }
        assert_eq!(self.key.contains(), ctx.key.is_some());
        assert_eq!(self.key.get_arc().map(|a| *a), ctx.key);
        ctx
    }
}

// ------------------------------------------------------- synchronous programs

/// Where a frame's context comes from.
#[derive(Clone, Debug)]
enum Source {
    /// A copy of the current context, via `run`/`enter` of a local (0, 1), the map (2) or the key (3).
    Current(usize),
    /// A captured snapshot slot (`Snapshot::empty()` if the slot is unset).
    Snap(usize),
    Empty,
}

#[derive(Clone, Copy, Debug)]
enum Scope {
    Run,
    Enter,
    /// `snapshot.bind(f)()` (for `Current`, of `Snapshot::current()`).
    Bind,
    /// `snapshot.bind_fn(f)`, called twice.
    BindFn,
    /// A call of an `#[isolated]` function (a copy of the current context,
    /// whatever the source).
    Isolated,
}

#[derive(Clone, Debug)]
enum Op {
    Set(usize, usize, Val),
    Get(usize, usize),
    Remove(usize, usize),
    MapInsert(usize, u32),
    MapRemove(usize),
    MapClear,
    MapExtend(Vec<(usize, u32)>),
    MapGetOrInsert(usize, u32),
    KeySet(u32),
    KeyRemove,
    Capture(usize),
    /// Enter a frame whose guard is kept until a `Close`.
    Open(Source),
    /// Drop one of the open guards (any of them: in or out of order).
    Close(usize),
    /// A scoped frame running `body`, ending by panic if `panic`.
    Frame {
        source: Source,
        scope: Scope,
        body: Vec<Op>,
        panic: bool,
    },
}

fn val() -> impl Strategy<Value = Val> {
    prop_oneof![3 => (0..50_u32).prop_map(Val::U), 1 => "[xy]{0,2}".prop_map(Val::S)]
}

fn source() -> impl Strategy<Value = Source> {
    prop_oneof![
        3 => (0..4_usize).prop_map(Source::Current),
        2 => (0..3_usize).prop_map(Source::Snap),
        1 => Just(Source::Empty),
    ]
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![
        Just(Scope::Run),
        Just(Scope::Enter),
        Just(Scope::Bind),
        Just(Scope::BindFn),
        Just(Scope::Isolated),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let k = || 0..KEYS.len();
    let leaf = prop_oneof![
        6 => (0..2_usize, k(), val()).prop_map(|(n, k, v)| Op::Set(n, k, v)),
        2 => (0..2_usize, k()).prop_map(|(n, k)| Op::Get(n, k)),
        3 => (0..2_usize, k()).prop_map(|(n, k)| Op::Remove(n, k)),
        3 => (k(), 0..50_u32).prop_map(|(k, v)| Op::MapInsert(k, v)),
        3 => k().prop_map(Op::MapRemove),
        1 => Just(Op::MapClear),
        1 => vec((k(), 0..50_u32), 0..3).prop_map(Op::MapExtend),
        1 => (k(), 0..50_u32).prop_map(|(k, v)| Op::MapGetOrInsert(k, v)),
        2 => (0..50_u32).prop_map(Op::KeySet),
        1 => Just(Op::KeyRemove),
        2 => (0..3_usize).prop_map(Op::Capture),
        2 => source().prop_map(Op::Open),
        2 => (0..8_usize).prop_map(Op::Close),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        (
            source(),
            scope(),
            vec(inner, 0..6),
            prop::bool::weighted(0.2),
        )
            .prop_map(|(source, scope, body, panic)| Op::Frame {
                source,
                scope,
                body,
                panic,
            })
    })
}

/// Runs a program against the library and the model in lockstep.
struct Interp<'a> {
    lib: &'a Lib,
    /// The model's frame stack: `(frame id, context)`, base first.
    stack: Vec<(u64, Ctx)>,
    next_id: u64,
    snaps: [Option<(Snapshot, Ctx)>; 3],
    /// Open guards with the model frame (index, id) each one ends.
    guards: Vec<(FrameGuard, usize, u64)>,
}

impl<'a> Interp<'a> {
    fn new(lib: &'a Lib) -> Self {
        Interp {
            lib,
            stack: vec![(0, Ctx::empty())],
            next_id: 1,
            snaps: [None, None, None],
            guards: Vec::new(),
        }
    }

    fn top(&mut self) -> &mut Ctx {
        &mut self.stack.last_mut().expect("base frame").1
    }

    fn check(&mut self) {
        let seen = self.lib.dump();
        assert_eq!(seen, *self.top(), "library context differs from the model");
    }

    /// Model: push a frame; returns what ends it.
    fn push(&mut self, ctx: Ctx) -> (usize, u64) {
        let id = self.next_id;
        self.next_id += 1;
        self.stack.push((id, ctx));
        (self.stack.len() - 1, id)
    }

    /// Model: end a frame and every frame pushed after it, unless it already ended.
    fn end(&mut self, (index, id): (usize, u64)) {
        if self.stack.get(index).map(|f| f.0) == Some(id) {
            self.stack.truncate(index);
        }
    }

    fn snapshot(&mut self, source: &Source) -> (Snapshot, Ctx) {
        match source {
            Source::Current(_) => (Snapshot::current(), self.top().clone()),
            Source::Snap(slot) => self.snaps[*slot]
                .clone()
                .unwrap_or_else(|| (Snapshot::empty(), Ctx::empty())),
            Source::Empty => (Snapshot::empty(), Ctx::empty()),
        }
    }

    fn enter(&mut self, source: &Source) -> (FrameGuard, Ctx) {
        let lib = self.lib;
        match source {
            Source::Current(via) => {
                let guard = match via {
                    0 | 1 => lib.locals[*via].enter(),
                    2 => lib.map.enter(),
                    _ => lib.key.enter(),
                };
                (guard, self.top().clone())
            }
            _ => {
                let (snap, ctx) = self.snapshot(source);
                (snap.enter(), ctx)
            }
        }
    }

    fn exec_all(&mut self, ops: &[Op]) {
        for op in ops {
            self.exec(op);
        }
    }

    /// The body of a scoped frame whose model frame is `frame`.
    fn body(&mut self, body: &[Op], frame: (usize, u64), panic: bool) {
        self.check();
        self.exec_all(body);
        if panic {
            // The model frame ends with the library's, whatever unwinds.
            self.end(frame);
            resume_unwind(Box::new(Planned));
        }
        self.end(frame);
    }

    fn exec(&mut self, op: &Op) {
        let lib = self.lib;
        match op {
            Op::Set(n, k, v) => {
                match v {
                    Val::U(u) => lib.locals[*n].set(KEYS[*k], *u),
                    Val::S(s) => lib.locals[*n].set(KEYS[*k], s.clone()),
                }
                self.top().locals[*n].insert(KEYS[*k], v.clone());
            }
            Op::Get(n, k) => {
                let local = &lib.locals[*n];
                let model = self.top().locals[*n].get(KEYS[*k]).cloned();
                let want_u = match &model {
                    Some(Val::U(u)) => Some(*u),
                    _ => None,
                };
                assert_eq!(local.get::<u32>(KEYS[*k]), want_u);
                assert_eq!(local.get_arc::<u32>(KEYS[*k]).map(|a| *a), want_u);
                match (local.try_get::<u32>(KEYS[*k]), &model) {
                    (Ok(u), Some(Val::U(m))) => assert_eq!(u, *m),
                    (Err(ContextError::Missing { .. }), None) => {}
                    (Err(ContextError::TypeMismatch { .. }), Some(Val::S(_))) => {}
                    (got, model) => panic!("try_get: {got:?}, model {model:?}"),
                }
            }
            Op::Remove(n, k) => {
                let removed = lib.locals[*n].remove(KEYS[*k]);
                let model = self.top().locals[*n].remove(KEYS[*k]).is_some();
                assert_eq!(removed, model, "remove");
            }
            Op::MapInsert(k, v) => {
                let old = lib.map.insert(KEYS[*k], *v);
                assert_eq!(old, self.top().map.insert(KEYS[*k], *v), "map.insert");
            }
            Op::MapRemove(k) => {
                let old = lib.map.remove(KEYS[*k]);
                assert_eq!(old, self.top().map.remove(KEYS[*k]), "map.remove");
            }
            Op::MapClear => {
                lib.map.clear();
                self.top().map.clear();
            }
            Op::MapExtend(items) => {
                lib.map.extend(items.iter().map(|(k, v)| (KEYS[*k], *v)));
                self.top()
                    .map
                    .extend(items.iter().map(|(k, v)| (KEYS[*k], *v)));
            }
            Op::MapGetOrInsert(k, v) => {
                let got = lib.map.get_or_insert_with(KEYS[*k], || *v);
                assert_eq!(got, *self.top().map.entry(KEYS[*k]).or_insert(*v));
            }
            Op::KeySet(v) => {
                lib.key.set(*v);
                self.top().key = Some(*v);
            }
            Op::KeyRemove => {
                let removed = lib.key.remove();
                assert_eq!(removed, self.top().key.take().is_some(), "key.remove");
            }
            Op::Capture(slot) => {
                self.snaps[*slot] = Some((Snapshot::current(), self.top().clone()));
            }
            Op::Open(source) => {
                let (guard, ctx) = self.enter(source);
                let (index, id) = self.push(ctx);
                self.guards.push((guard, index, id));
            }
            Op::Close(i) => {
                if !self.guards.is_empty() {
                    let (guard, index, id) = self.guards.remove(i % self.guards.len());
                    drop(guard);
                    self.end((index, id));
                }
            }
            Op::Frame {
                source,
                scope,
                body,
                panic,
            } => self.frame(source, *scope, body, *panic),
        }
        self.check();
    }

    fn frame(&mut self, source: &Source, scope: Scope, body: &[Op], panic: bool) {
        let lib = self.lib;
        match (scope, source) {
            (Scope::Run, Source::Current(via)) => {
                let copy = self.top().clone();
                let frame = self.push(copy);
                catch_planned(|| match via {
                    0 | 1 => lib.locals[*via].run(|| self.body(body, frame, panic)),
                    2 => lib.map.run(|| self.body(body, frame, panic)),
                    _ => lib.key.run(|| self.body(body, frame, panic)),
                });
            }
            (Scope::Run, _) => {
                let (snap, ctx) = self.snapshot(source);
                let frame = self.push(ctx);
                catch_planned(|| snap.run(|| self.body(body, frame, panic)));
            }
            (Scope::Enter, _) => catch_planned(|| {
                let (guard, ctx) = self.enter(source);
                let frame = self.push(ctx);
                self.body(body, frame, panic);
                drop(guard);
            }),
            (Scope::Bind, _) => {
                let (snap, ctx) = self.snapshot(source);
                let frame = self.push(ctx);
                let f = snap.bind(|| self.body(body, frame, panic));
                catch_planned(f);
            }
            (Scope::Isolated, _) => {
                let copy = self.top().clone();
                let frame = self.push(copy);
                catch_planned(|| isolated_call(|| self.body(body, frame, panic)));
            }
            (Scope::BindFn, _) => {
                let (snap, ctx) = self.snapshot(source);
                let this = std::cell::RefCell::new(&mut *self);
                let f = snap.bind_fn(|| {
                    let mut this = this.borrow_mut();
                    let frame = this.push(ctx.clone());
                    this.body(body, frame, panic);
                });
                catch_planned(&f);
                catch_planned(&f);
            }
        }
        // The model stack is not necessarily back where it was: closing a
        // guard opened outside the scoped frame ends that frame early (and a
        // guard opened afterwards outlives it). `check` compares the result.
    }
}

/// The plain shape of `#[isolated]`: `f` runs in a new frame.
#[isolated]
fn isolated_call<R>(f: impl FnOnce() -> R) -> R {
    f()
}

fn run_program(backend: Backend, program: &[Op]) {
    static OUTSIDE: ContextLocal = ContextLocal::new();
    OUTSIDE.set("sentinel", 7_u32);
    let lib = Lib::new(backend);
    let before = lib.dump();
    Snapshot::empty().run(|| {
        let mut interp = Interp::new(&lib);
        interp.check();
        interp.exec_all(program);
        // Remaining guards are dropped oldest first: the first one ends all.
        while !interp.guards.is_empty() {
            interp.exec(&Op::Close(0));
        }
        assert_eq!(interp.stack.len(), 1);
        assert!(
            !OUTSIDE.contains("sentinel"),
            "empty snapshot shows the caller"
        );
    });
    assert_eq!(lib.dump(), before, "the program leaked into the caller");
    assert_eq!(OUTSIDE.get::<u32>("sentinel"), Some(7));
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sync_programs_persistent(program in vec(op(), 0..24)) {
        run_program(Backend::Persistent, &program);
    }

    #[test]
    fn sync_programs_copying(program in vec(op(), 0..24)) {
        run_program(Backend::Copying, &program);
    }
}

// ------------------------------------------------------ async interleavings

/// What a worker (or the driver) does in one step.
#[derive(Clone, Debug)]
enum WOp {
    Set(usize, usize, u32),
    Remove(usize, usize),
    MapInsert(usize, u32),
    MapRemove(usize),
    MapClear,
    KeySet(u32),
    KeyRemove,
    /// A guard kept open across steps (and polls).
    Open,
    Close,
    /// A scoped frame inside the step.
    Frame(Vec<WOp>),
}

fn data_wop() -> impl Strategy<Value = WOp> {
    let k = || 0..KEYS.len();
    prop_oneof![
        4 => (0..2_usize, k(), 0..50_u32).prop_map(|(n, k, v)| WOp::Set(n, k, v)),
        2 => (0..2_usize, k()).prop_map(|(n, k)| WOp::Remove(n, k)),
        2 => (k(), 0..50_u32).prop_map(|(k, v)| WOp::MapInsert(k, v)),
        2 => k().prop_map(WOp::MapRemove),
        1 => Just(WOp::MapClear),
        2 => (0..50_u32).prop_map(WOp::KeySet),
        1 => Just(WOp::KeyRemove),
    ]
}

fn wop() -> impl Strategy<Value = WOp> {
    prop_oneof![
        8 => data_wop(),
        1 => Just(WOp::Open),
        1 => Just(WOp::Close),
        1 => vec(data_wop(), 0..4).prop_map(WOp::Frame),
    ]
}

/// A worker's (or the driver's) view: the library plus its own model stack.
struct Core<'a> {
    lib: &'a Lib,
    name: String,
    stack: Vec<Ctx>,
    guards: Vec<FrameGuard>,
}

impl<'a> Core<'a> {
    fn new(lib: &'a Lib, name: String, ctx: Ctx) -> Self {
        Core {
            lib,
            name,
            stack: vec![ctx],
            guards: Vec::new(),
        }
    }

    fn top(&mut self) -> &mut Ctx {
        self.stack.last_mut().expect("base")
    }

    fn check(&self) {
        let seen = self.lib.dump();
        assert_eq!(
            &seen,
            self.stack.last().expect("base"),
            "{} sees another frame",
            self.name
        );
    }

    fn apply(&mut self, op: &WOp) {
        let lib = self.lib;
        match op {
            WOp::Set(n, k, v) => {
                lib.locals[*n].set(KEYS[*k], *v);
                self.top().locals[*n].insert(KEYS[*k], Val::U(*v));
            }
            WOp::Remove(n, k) => {
                let removed = lib.locals[*n].remove(KEYS[*k]);
                assert_eq!(removed, self.top().locals[*n].remove(KEYS[*k]).is_some());
            }
            WOp::MapInsert(k, v) => {
                assert_eq!(
                    lib.map.insert(KEYS[*k], *v),
                    self.top().map.insert(KEYS[*k], *v)
                );
            }
            WOp::MapRemove(k) => {
                assert_eq!(lib.map.remove(KEYS[*k]), self.top().map.remove(KEYS[*k]));
            }
            WOp::MapClear => {
                lib.map.clear();
                self.top().map.clear();
            }
            WOp::KeySet(v) => {
                lib.key.set(*v);
                self.top().key = Some(*v);
            }
            WOp::KeyRemove => {
                assert_eq!(lib.key.remove(), self.top().key.take().is_some());
            }
            WOp::Open => {
                self.guards.push(lib.locals[0].enter());
                let copy = self.top().clone();
                self.stack.push(copy);
            }
            WOp::Close => {
                if let Some(guard) = self.guards.pop() {
                    drop(guard);
                    self.stack.pop();
                }
            }
            WOp::Frame(ops) => {
                let copy = self.top().clone();
                self.stack.push(copy);
                lib.locals[1].run(|| {
                    for op in ops {
                        self.apply(op);
                        self.check();
                    }
                });
                self.stack.pop();
            }
        }
        self.check();
    }

    fn apply_all(&mut self, ops: &[WOp]) {
        for op in ops {
            self.apply(op);
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Future,
    Stream,
    Iter,
    /// The same, built by `#[isolated]` functions (captured at call time).
    IsolatedFn(Shape),
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    Future,
    Stream,
    Iter,
}

#[derive(Clone, Debug)]
struct WorkerSpec {
    kind: Kind,
    /// `with_snapshot(Snapshot::empty(), ..)` instead of `new(..)`.
    empty: bool,
    /// Each step's ops, and how many times it returns `Pending` after them.
    steps: Vec<(Vec<WOp>, u8)>,
}

#[derive(Clone, Debug)]
enum Sched {
    Spawn(WorkerSpec),
    /// Poll (or `next`) worker `i % len` once.
    Poll(usize),
    /// Poll worker `i % len` inside a driver frame with `WOp` applied.
    PollInFrame(usize, WOp),
    /// Drop worker `i % len` before it finishes.
    Drop(usize),
    Driver(WOp),
}

fn spec() -> impl Strategy<Value = WorkerSpec> {
    (
        prop_oneof![
            Just(Kind::Future),
            Just(Kind::Stream),
            Just(Kind::Iter),
            Just(Kind::IsolatedFn(Shape::Future)),
            Just(Kind::IsolatedFn(Shape::Stream)),
            Just(Kind::IsolatedFn(Shape::Iter)),
        ],
        prop::bool::weighted(0.2),
        vec((vec(wop(), 0..4), 0..3_u8), 0..5),
    )
        .prop_map(|(kind, empty, steps)| WorkerSpec { kind, empty, steps })
}

fn sched() -> impl Strategy<Value = Sched> {
    prop_oneof![
        2 => spec().prop_map(Sched::Spawn),
        6 => (0..8_usize).prop_map(Sched::Poll),
        1 => ((0..8_usize), data_wop()).prop_map(|(i, op)| Sched::PollInFrame(i, op)),
        1 => (0..8_usize).prop_map(Sched::Drop),
        2 => wop().prop_map(Sched::Driver),
    ]
}

/// A worker behind a stream or an iterator: one step per item, `Pending`s
/// (streams only) after each step.
struct Stepper<'a> {
    core: Core<'a>,
    steps: VecDeque<(Vec<WOp>, u8)>,
    pending: u8,
}

impl Iterator for Stepper<'_> {
    type Item = ();

    fn next(&mut self) -> Option<()> {
        self.core.check();
        let (ops, pending) = self.steps.pop_front()?;
        self.core.apply_all(&ops);
        self.pending = pending;
        Some(())
    }
}

impl Stream for Stepper<'_> {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<Option<()>> {
        let this = self.get_mut();
        this.core.check();
        if this.pending > 0 {
            this.pending -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(this.next())
    }
}

type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

enum Worker<'a> {
    Future(BoxFut<'a>),
    Stream(Pin<Box<dyn Stream<Item = ()> + 'a>>),
    Iter(Box<dyn Iterator<Item = ()> + 'a>),
}

/// A future worker: its steps, with `Pending`s after each.
async fn future_worker(mut core: Core<'_>, steps: Vec<(Vec<WOp>, u8)>) {
    core.check();
    for (ops, pending) in steps {
        core.apply_all(&ops);
        for _ in 0..pending {
            YieldOnce::default().await;
            core.check();
        }
    }
}

#[isolated]
async fn isolated_future_worker(core: Core<'_>, steps: Vec<(Vec<WOp>, u8)>) {
    future_worker(core, steps).await;
}

#[isolated]
fn isolated_stream_worker(stepper: Stepper<'_>) -> impl Stream<Item = ()> + '_ {
    stepper
}

#[isolated]
fn isolated_iter_worker(stepper: Stepper<'_>) -> impl Iterator<Item = ()> + '_ {
    stepper
}

impl Worker<'_> {
    /// One poll / `next`; `true` when finished.
    fn step(&mut self) -> bool {
        let mut cx = TaskCx::from_waker(Waker::noop());
        match self {
            Worker::Future(f) => f.as_mut().poll(&mut cx).is_ready(),
            Worker::Stream(s) => matches!(s.as_mut().poll_next(&mut cx), Poll::Ready(None)),
            Worker::Iter(i) => i.next().is_none(),
        }
    }
}

fn spawn<'a>(lib: &'a Lib, driver: &Core<'a>, id: usize, spec: WorkerSpec) -> Worker<'a> {
    let (snap, ctx) = if spec.empty {
        (Snapshot::empty(), Ctx::empty())
    } else {
        (
            Snapshot::current(),
            driver.stack.last().expect("base").clone(),
        )
    };
    let core = Core::new(lib, format!("worker {id} ({:?})", spec.kind), ctx);
    let stepper = |core| Stepper {
        core,
        steps: spec.steps.clone().into(),
        pending: 0,
    };
    match spec.kind {
        Kind::Future => Worker::Future(Box::pin(IsolatedFuture::with_snapshot(
            snap,
            future_worker(core, spec.steps),
        ))),
        Kind::Stream => {
            Worker::Stream(Box::pin(IsolatedStream::with_snapshot(snap, stepper(core))))
        }
        Kind::Iter => Worker::Iter(Box::new(IsolatedIter::with_snapshot(snap, stepper(core)))),
        // `#[isolated]` captures the context at call time: call it in `snap`.
        Kind::IsolatedFn(shape) => snap.run(|| match shape {
            Shape::Future => {
                Worker::Future(Box::pin(isolated_future_worker(core, spec.steps.clone())))
            }
            Shape::Stream => Worker::Stream(Box::pin(isolated_stream_worker(stepper(core)))),
            Shape::Iter => Worker::Iter(Box::new(isolated_iter_worker(stepper(core)))),
        }),
    }
}

fn run_interleaving(backend: Backend, schedule: Vec<Sched>) {
    let lib = Lib::new(backend);
    let before = lib.dump();
    Snapshot::empty().run(|| {
        let mut driver = Core::new(&lib, "driver".into(), Ctx::empty());
        let mut workers: Vec<Worker<'_>> = Vec::new();
        let poll = |driver: &Core<'_>, workers: &mut Vec<Worker<'_>>, i: usize| {
            if workers.is_empty() {
                return;
            }
            let i = i % workers.len();
            driver.check();
            if workers[i].step() {
                workers.remove(i);
            }
            driver.check();
        };
        for (id, item) in schedule.into_iter().enumerate() {
            match item {
                Sched::Spawn(spec) => {
                    let w = spawn(&lib, &driver, id, spec);
                    workers.push(w);
                }
                Sched::Poll(i) => poll(&driver, &mut workers, i),
                Sched::PollInFrame(i, op) => {
                    driver.apply(&WOp::Open);
                    driver.apply(&op);
                    poll(&driver, &mut workers, i);
                    driver.apply(&WOp::Close);
                }
                Sched::Drop(i) => {
                    if !workers.is_empty() {
                        let i = i % workers.len();
                        drop(workers.remove(i));
                        driver.check();
                    }
                }
                Sched::Driver(op) => driver.apply(&op),
            }
        }
        // Run everyone to completion, round robin.
        let mut i = 0;
        while !workers.is_empty() {
            poll(&driver, &mut workers, i);
            i += 1;
        }
        while !driver.guards.is_empty() {
            driver.apply(&WOp::Close);
        }
    });
    assert_eq!(
        lib.dump(),
        before,
        "the interleaving leaked into the caller"
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn async_interleavings_persistent(schedule in vec(sched(), 0..24)) {
        run_interleaving(Backend::Persistent, schedule);
    }

    #[test]
    fn async_interleavings_copying(schedule in vec(sched(), 0..24)) {
        run_interleaving(Backend::Copying, schedule);
    }
}
