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
