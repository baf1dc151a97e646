//! Shared by the behaviour tests: run one generic test against every backend.
//!
//! A behaviour test of `ContextLocal` is written once, as a function
//! `fn(ctx: &'static ContextLocal, other: &'static ContextLocal)`, and
//! [`for_each_backend!`] instantiates it as `persistent::name` and
//! `copying::name`. `ctx` and `other` are two distinct statics of the same
//! backend.

/// Instantiates each listed generic test for `Backend::Persistent` and
/// `Backend::Copying`, plus a check that the statics really use that backend.
macro_rules! for_each_backend {
    ($($test:ident),+ $(,)?) => {
        for_each_backend!(@backend persistent, Persistent, $($test),+);
        for_each_backend!(@backend copying, Copying, $($test),+);
    };
    (@backend $module:ident, $backend:ident, $($test:ident),+) => {
        mod $module {
            use context_core::{Backend, ContextLocal};

            static CTX: ContextLocal = ContextLocal::with_backend(Backend::$backend);
            static OTHER: ContextLocal = ContextLocal::with_backend(Backend::$backend);

            #[test]
            fn statics_use_the_backend() {
                let debug = format!("{CTX:?} {OTHER:?}");
                assert_eq!(
                    debug.matches(concat!("backend: ", stringify!($backend))).count(),
                    2,
                    "{debug}"
                );
            }

            $(
                #[test]
                fn $test() {
                    super::$test(&CTX, &OTHER);
                }
            )+
        }
    };
}

/// One way of running a closure in a new frame.
#[allow(dead_code)] // Not every test file that includes `support` uses it.
pub(crate) type FrameKind = (
    &'static str,
    fn(&'static context_core::ContextLocal, &dyn Fn()),
);

/// Every way of running a closure in a frame that starts as a copy of the
/// current context: `run` / `enter` of each namespace type, and `Snapshot`'s
/// `run` / `enter` / `bind` / `bind_fn` of the current context.
#[allow(dead_code)] // Not every test file that includes `support` uses it.
pub(crate) fn copy_frame_kinds() -> Vec<FrameKind> {
    use context_core::{ContextKey, ContextMap, Snapshot};
    static KEY: ContextKey<u8> = ContextKey::new("frame_kind_key");
    static MAP: ContextMap<u8> = ContextMap::new();
    vec![
        ("ContextLocal::run", |ctx, f| ctx.run(f)),
        ("ContextLocal::enter", |ctx, f| {
            let _frame = ctx.enter();
            f();
        }),
        ("ContextKey::run", |_, f| KEY.run(f)),
        ("ContextKey::enter", |_, f| {
            let _frame = KEY.enter();
            f();
        }),
        ("ContextMap::run", |_, f| MAP.run(f)),
        ("ContextMap::enter", |_, f| {
            let _frame = MAP.enter();
            f();
        }),
        ("Snapshot::run", |_, f| Snapshot::current().run(f)),
        ("Snapshot::enter", |_, f| {
            let _frame = Snapshot::current().enter();
            f();
        }),
        ("Snapshot::bind", |_, f| Snapshot::current().bind(f)()),
        ("Snapshot::bind_fn", |_, f| Snapshot::current().bind_fn(f)()),
    ]
}
