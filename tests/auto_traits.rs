//! Compile-time assertions: `Send`/`Sync`/`Debug` of every public type, and
//! `FrameGuard` is neither `Send` nor `Sync`. This file failing to compile is
//! the failure.

use std::fmt::Debug;
use std::future::Future;
use std::rc::Rc;

use context_core::{
    Backend, ContextError, ContextKey, ContextLocal, ContextMap, ExecutorError, FrameGuard,
    IsolatedFuture, IsolatedIter, IsolatedStream, Snapshot,
};

fn send_sync_debug<T: Send + Sync + Debug>() {}
fn send<T: Send>() {}
fn sync<T: Sync>() {}
fn debug<T: Debug>() {}

/// `<T as NotSend<_>>::check` is ambiguous — a compile error — exactly when
/// `T: Send` (the `static_assertions::assert_not_impl_any` trick).
trait NotSend<A> {
    fn check() {}
}
impl<T: ?Sized> NotSend<()> for T {}
impl<T: ?Sized + Send> NotSend<u8> for T {}

trait NotSync<A> {
    fn check() {}
}
impl<T: ?Sized> NotSync<()> for T {}
impl<T: ?Sized + Sync> NotSync<u8> for T {}

type SendFuture = std::future::Ready<u8>;
type SendIter = std::vec::IntoIter<u8>;
type SendStream = futures::stream::Iter<SendIter>;

#[test]
fn every_public_type_is_send_sync_and_debug_except_frame_guard() {
    send_sync_debug::<ContextLocal>();
    send_sync_debug::<ContextKey<u32>>();
    send_sync_debug::<ContextKey<String>>();
    send_sync_debug::<ContextMap<u32>>();
    send_sync_debug::<Snapshot>();
    send_sync_debug::<Backend>();
    send_sync_debug::<ContextError>();
    send_sync_debug::<ExecutorError>();
    // Wrappers: `Send`/`Sync` when what they wrap is.
    send_sync_debug::<IsolatedFuture<SendFuture>>();
    send_sync_debug::<IsolatedIter<SendIter>>();
    send_sync_debug::<IsolatedStream<SendStream>>();
    // Debug whatever they wrap.
    debug::<IsolatedIter<std::iter::Once<Rc<u8>>>>();
    // `Snapshot` is also `Clone`.
    fn clone<T: Clone>() {}
    clone::<Snapshot>();

    // FrameGuard: Debug, but neither Send nor Sync.
    debug::<FrameGuard>();
    let _ = <FrameGuard as NotSend<_>>::check;
    let _ = <FrameGuard as NotSync<_>>::check;
    // A wrapper around something !Send is !Send.
    let _ = <IsolatedIter<std::iter::Once<Rc<u8>>> as NotSend<_>>::check;
}

#[test]
fn an_isolated_future_crosses_threads() {
    fn spawnable<F: Future + Send + 'static>(_: &F) {}
    let fut = IsolatedFuture::new(async { 1 });
    spawnable(&fut);
    send::<IsolatedFuture<SendFuture>>();
    sync::<Snapshot>();
}

#[test]
fn both_crates_forbid_unsafe_code() {
    // `forbid` cannot be overridden by an inner `allow`: with it in place,
    // the compiler proves there is no `unsafe` in either crate.
    for lib in ["context-core/src/lib.rs", "context-macros/src/lib.rs"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(lib);
        let src = std::fs::read_to_string(&path).expect("crate root");
        assert!(
            src.contains("#![forbid(unsafe_code)]"),
            "{lib} does not forbid unsafe code"
        );
    }
}
