//! Request-scoped context for [tower] services (and so for axum, tonic and
//! hyper): [`ContextLayer`] runs every request in a frame of its own.
//!
//! Each call of [`ContextService`] enters a fresh copy of its *base* context
//! — by default a copy of the context where the layer was built, or an empty
//! one ([`ContextLayer::empty`]) — runs the layer's optional [seed](Seed) on
//! the request, calls the inner service, and returns the inner response
//! future wrapped in an [`IsolatedFuture`] that owns that frame. So the seed,
//! the inner `call` and every poll of the response future (every `.await` of
//! the handler) see the same request-local values, and nothing a request sets
//! reaches another request, the server's task or the base.
//!
//! Work the handler hands off keeps the request's values when it is started
//! through the propagation helpers — `context_core::task::spawn` (feature
//! `tokio`), [`ContextPreservingExecutor::submit`](crate::ContextPreservingExecutor::submit)
//! — or wrapped with
//! [`Snapshot::current`]/[`IsolatedFuture::new`] by hand; a bare
//! `tokio::spawn` starts from the worker thread's context instead.
//!
//! ```
//! use context_core::ContextLocal;
//! use context_core::tower::ContextLayer;
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! static REQUEST: ContextLocal = ContextLocal::named("request");
//!
//! /// Deep in the call stack: no request parameter needed.
//! fn request_id() -> String {
//!     REQUEST.get("id").unwrap_or_default()
//! }
//!
//! # futures::executor::block_on(async {
//! REQUEST.set("service", "billing"); // base context: visible to every request
//!
//! // Requests are plain strings here; with axum they are `http::Request<Body>`.
//! let layer = ContextLayer::new().seed(|req: &String| REQUEST.set("id", req.clone()));
//! let svc = layer.layer(service_fn(|_req: String| async {
//!     std::future::ready(()).await; // still in the request's frame after an await
//!     let service: &str = REQUEST.get("service").unwrap();
//!     Ok::<_, std::convert::Infallible>(format!("{service}: {}", request_id()))
//! }));
//!
//! let a = svc.clone().oneshot("a-1".to_string());
//! let b = svc.oneshot("b-2".to_string());
//! let (a, b) = futures::join!(a, b); // interleaved, each in its own frame
//! assert_eq!(a.unwrap(), "billing: a-1");
//! assert_eq!(b.unwrap(), "billing: b-2");
//! assert_eq!(request_id(), ""); // nothing leaked to the caller
//! # });
//! ```
//!
//! [tower]: https://docs.rs/tower

use std::any::type_name;
use std::fmt;
use std::task::{Context, Poll};

use tower_layer::Layer;
use tower_service::Service;

use crate::{IsolatedFuture, Snapshot};

/// Fills a request's fresh frame from the request, before the inner service
/// is called.
///
/// Implemented for every `Fn(&Req)` closure and for [`NoSeed`]. The seed runs
/// inside the request's frame, so whatever it sets — on any
/// [`ContextLocal`](crate::ContextLocal), [`ContextKey`](crate::ContextKey) or
/// [`ContextMap`](crate::ContextMap) — is seen by the inner service and the
/// whole response future, and by nothing else.
///
/// A closure passed to [`ContextLayer::seed`] needs its argument type written
/// out (`|req: &Request<Body>| ...`), as for any closure taking a reference
/// that is stored before it is called.
///
/// ```
/// use context_core::ContextKey;
/// use context_core::tower::Seed;
///
/// static TENANT: ContextKey<String> = ContextKey::new("tenant");
///
/// /// A named seed: the tenant is the part of the path before the first `/`.
/// #[derive(Clone, Debug)]
/// struct TenantFromPath;
///
/// impl Seed<String> for TenantFromPath {
///     fn seed(&self, path: &String) {
///         let tenant = path.split('/').next().unwrap_or_default();
///         TENANT.set(tenant.to_string());
///     }
/// }
///
/// TENANT.run(|| {
///     TenantFromPath.seed(&"acme/invoices".to_string());
///     assert_eq!(TENANT.get().as_deref(), Some("acme"));
/// });
/// ```
pub trait Seed<Req> {
    /// Sets request-local values from `request`; runs in the request's frame.
    fn seed(&self, request: &Req);
}

impl<Req, F: Fn(&Req)> Seed<Req> for F {
    fn seed(&self, request: &Req) {
        self(request);
    }
}

/// The seed of a [`ContextLayer`] built without [`ContextLayer::seed`]: sets
/// nothing, so each request starts from an unchanged copy of the base.
///
/// ```
/// use context_core::tower::{NoSeed, Seed};
/// NoSeed.seed(&"any request"); // does nothing
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSeed;

impl<Req> Seed<Req> for NoSeed {
    #[inline]
    fn seed(&self, _request: &Req) {}
}

/// A [`Layer`] that runs every request of the wrapped service in a frame of
/// its own; see the [module docs](self).
///
/// The base context of the frames is fixed when the layer is built:
///
/// * [`ContextLayer::new`] (also `Default`) — a copy of the context current
///   at that moment: values set at start-up (service name, configuration)
///   are visible to every request. This is what Python's `asyncio` servers
///   do: each request's task starts from a copy of the context it was
///   created in. Capturing is O(1), and the base never changes afterwards.
/// * [`ContextLayer::empty`] — an empty context: requests see only what the
///   seed and the handler set.
/// * [`ContextLayer::with_snapshot`] — any [`Snapshot`].
///
/// Cloning a layer or a service clones the base (O(1)) and the seed.
///
/// ```
/// use context_core::ContextKey;
/// use context_core::tower::ContextLayer;
/// use tower::{Layer, ServiceExt, service_fn};
///
/// static ENV: ContextKey<&'static str> = ContextKey::new("env");
///
/// let handler = service_fn(|()| async { Ok::<_, ()>(ENV.get()) });
///
/// ENV.set("prod");
/// let copy = ContextLayer::new().layer(handler);
/// let empty = ContextLayer::empty().layer(handler);
/// ENV.set("changed later"); // the base was captured by `new`
///
/// # futures::executor::block_on(async {
/// assert_eq!(copy.oneshot(()).await, Ok(Some("prod")));
/// assert_eq!(empty.oneshot(()).await, Ok(None));
/// # });
/// ```
#[derive(Clone)]
pub struct ContextLayer<F = NoSeed> {
    base: Snapshot,
    seed: F,
}

impl ContextLayer {
    /// A layer whose requests start from a copy of the current context.
    ///
    /// ```
    /// use context_core::tower::ContextLayer;
    /// let layer = ContextLayer::new();
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::with_snapshot(Snapshot::current())
    }

    /// A layer whose requests start from an empty context.
    ///
    /// ```
    /// use context_core::tower::ContextLayer;
    /// let layer = ContextLayer::empty();
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn empty() -> Self {
        Self::with_snapshot(Snapshot::empty())
    }

    /// A layer whose requests start from a copy of `base`.
    ///
    /// ```
    /// use context_core::Snapshot;
    /// use context_core::tower::ContextLayer;
    /// let layer = ContextLayer::with_snapshot(Snapshot::current());
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_snapshot(base: Snapshot) -> Self {
        ContextLayer { base, seed: NoSeed }
    }
}

impl Default for ContextLayer {
    /// Same as [`ContextLayer::new`]: captures the current context.
    fn default() -> Self {
        Self::new()
    }
}

impl<F> ContextLayer<F> {
    /// Sets the seed: a closure (or any [`Seed`]) that fills each request's
    /// frame from the request before the inner service is called. Replaces
    /// any previous seed.
    ///
    /// ```
    /// use context_core::ContextLocal;
    /// use context_core::tower::ContextLayer;
    ///
    /// static REQUEST: ContextLocal = ContextLocal::named("request");
    ///
    /// // With axum/http: `|req: &http::Request<axum::body::Body>| ...`
    /// let layer = ContextLayer::new().seed(|req: &(u64, String)| {
    ///     REQUEST.set("id", req.0);
    ///     REQUEST.set("user", req.1.clone());
    /// });
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn seed<G>(self, seed: G) -> ContextLayer<G> {
        ContextLayer {
            base: self.base,
            seed,
        }
    }

    /// The base context requests start from.
    ///
    /// ```
    /// use context_core::tower::ContextLayer;
    /// let base = ContextLayer::empty().base().clone();
    /// # let _ = base;
    /// ```
    #[must_use]
    pub fn base(&self) -> &Snapshot {
        &self.base
    }
}

impl<S, F: Clone> Layer<S> for ContextLayer<F> {
    type Service = ContextService<S, F>;

    fn layer(&self, inner: S) -> Self::Service {
        ContextService {
            inner,
            base: self.base.clone(),
            seed: self.seed.clone(),
        }
    }
}

impl<F> fmt::Debug for ContextLayer<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextLayer")
            .field("base", &self.base)
            .field("seed", &type_name::<F>())
            .finish()
    }
}

/// A [`Service`] that runs every request in a frame of its own; built by
/// [`ContextLayer`] or [`ContextService::new`].
///
/// For each [`call`](Service::call): enter a fresh copy of the base, run the
/// seed on the request, call the inner service, and wrap its response future
/// in an [`IsolatedFuture`] owning the resulting frame — values set by the
/// seed or by the inner `call` are seen by every poll of the response future.
/// The frame ends when the response future is dropped; the caller's context
/// is restored after `call` returns (or panics) and after every poll.
///
/// [`poll_ready`](Service::poll_ready) is forwarded as it is, in the
/// caller's context: readiness is a property of the service, not of a
/// request.
///
/// ```
/// use context_core::ContextLocal;
/// use context_core::tower::ContextService;
/// use tower::{ServiceExt, service_fn};
///
/// static CTX: ContextLocal = ContextLocal::new();
///
/// let svc = ContextService::new(service_fn(|n: u32| async move {
///     CTX.set("n", n); // request-local
///     Ok::<_, ()>(CTX.get::<u32>("n"))
/// }));
/// # futures::executor::block_on(async {
/// assert_eq!(svc.oneshot(7).await, Ok(Some(7)));
/// assert!(!CTX.contains("n"));
/// # });
/// ```
#[derive(Clone)]
pub struct ContextService<S, F = NoSeed> {
    inner: S,
    base: Snapshot,
    seed: F,
}

impl<S> ContextService<S> {
    /// Wraps `inner`; requests start from a copy of the current context and
    /// have no seed. Same as `ContextLayer::new().layer(inner)`.
    ///
    /// ```
    /// use context_core::tower::ContextService;
    /// let svc = ContextService::new(tower::service_fn(|()| async { Ok::<_, ()>(()) }));
    /// # let _ = svc;
    /// ```
    pub fn new(inner: S) -> Self {
        ContextService {
            inner,
            base: Snapshot::current(),
            seed: NoSeed,
        }
    }
}

impl<S, F> ContextService<S, F> {
    /// The inner service.
    ///
    /// ```
    /// # use context_core::tower::ContextService;
    /// let svc = ContextService::new(5_u8);
    /// assert_eq!(*svc.get_ref(), 5);
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    ///
    /// ```
    /// # use context_core::tower::ContextService;
    /// let mut svc = ContextService::new(5_u8);
    /// *svc.get_mut() += 1;
    /// assert_eq!(svc.into_inner(), 6);
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    ///
    /// ```
    /// # use context_core::tower::ContextService;
    /// assert_eq!(ContextService::new(5_u8).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, F, Req> Service<Req> for ContextService<S, F>
where
    S: Service<Req>,
    F: Seed<Req>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = IsolatedFuture<S::Future>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Req) -> Self::Future {
        // The guard restores the caller's context when `call` returns, also
        // if the seed or the inner `call` panics.
        let _frame = self.base.enter();
        self.seed.seed(&request);
        let response = self.inner.call(request);
        // Captures the frame as the seed and the inner `call` left it.
        IsolatedFuture::new(response)
    }
}

impl<S: fmt::Debug, F> fmt::Debug for ContextService<S, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContextService")
            .field("inner", &self.inner)
            .field("base", &self.base)
            .field("seed", &type_name::<F>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::future::{Future, ready};
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use futures::executor::block_on;
    use tower::{Layer, Service, ServiceExt, service_fn};

    use super::{ContextLayer, ContextService};
    use crate::{ContextKey, ContextLocal};

    static CTX: ContextLocal = ContextLocal::named("tower-tests");
    static ID: ContextKey<u32> = ContextKey::new("id");

    /// A future that is pending once, so the handler really is suspended.
    struct YieldOnce(bool);
    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    #[test]
    fn seed_and_call_and_every_poll_share_the_request_frame() {
        let seen_in_call = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen_in_call.clone();
        let inner = tower::service_fn(move |n: u32| {
            log.lock().unwrap().push(ID.get()); // inner `call` runs in the frame
            CTX.set("set-in-call", n);
            async move {
                let before = ID.get();
                YieldOnce(false).await;
                CTX.set("after-await", n);
                YieldOnce(false).await;
                Ok::<_, Infallible>((
                    before,
                    ID.get(),
                    CTX.get::<u32>("set-in-call"),
                    CTX.get::<u32>("after-await"),
                ))
            }
        });
        let svc = ContextLayer::new().seed(|n: &u32| ID.set(*n)).layer(inner);
        let futs: Vec<_> = (0..50).map(|n| svc.clone().oneshot(n)).collect();
        let out = block_on(futures::future::join_all(futs));
        for (n, r) in (0..50).zip(out) {
            assert_eq!(r.unwrap(), (Some(n), Some(n), Some(n), Some(n)));
        }
        assert_eq!(
            *seen_in_call.lock().unwrap(),
            (0..50).map(Some).collect::<Vec<_>>()
        );
        assert_eq!(ID.get(), None);
        assert!(!CTX.contains("set-in-call"));
        assert!(!CTX.contains("after-await"));
    }

    #[test]
    fn base_is_captured_at_construction_and_never_changed() {
        CTX.run(|| {
            CTX.set("base", 1_u8);
            let layer = ContextLayer::new();
            let svc = layer.layer(service_fn(|()| async {
                let base = CTX.get::<u8>("base");
                CTX.set("base", 99_u8);
                Ok::<_, Infallible>(base)
            }));
            CTX.set("base", 2_u8);
            assert_eq!(block_on(svc.clone().oneshot(())), Ok(Some(1)));
            // The request's write reached neither the base nor the caller.
            assert_eq!(block_on(svc.clone().oneshot(())), Ok(Some(1)));
            assert_eq!(CTX.get::<u8>("base"), Some(2));

            let empty = ContextLayer::empty().layer(service_fn(|()| async {
                Ok::<_, Infallible>(CTX.get::<u8>("base"))
            }));
            assert_eq!(block_on(empty.oneshot(())).unwrap(), None);

            let direct = ContextService::new(service_fn(|()| async {
                Ok::<_, Infallible>(CTX.get::<u8>("base"))
            }));
            assert_eq!(block_on(direct.oneshot(())).unwrap(), Some(2));
        });
    }

    #[test]
    fn a_panicking_seed_restores_the_callers_context() {
        let mut svc = ContextLayer::new()
            .seed(|_: &()| {
                ID.set(7);
                panic!("seed failed");
            })
            .layer(service_fn(|()| async { Ok::<_, Infallible>(()) }));
        ID.run(|| {
            ID.set(1);
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                drop(svc.call(()));
            }));
            assert!(r.is_err());
            assert_eq!(ID.get(), Some(1));
        });
    }

    #[test]
    fn poll_ready_is_forwarded() {
        struct NotReady;
        impl Service<()> for NotReady {
            type Response = ();
            type Error = &'static str;
            type Future = std::future::Ready<Result<(), &'static str>>;
            fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
                Poll::Ready(Err("overloaded"))
            }
            fn call(&mut self, (): ()) -> Self::Future {
                ready(Ok(()))
            }
        }
        let mut svc = ContextService::new(NotReady);
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert_eq!(svc.poll_ready(&mut cx), Poll::Ready(Err("overloaded")));
    }

    #[test]
    fn debug_names_the_parts() {
        let layer = ContextLayer::empty().seed(|_: &()| {});
        let text = format!("{layer:?}");
        assert!(text.starts_with("ContextLayer { base: Snapshot"), "{text}");
        let svc = layer.layer(5_u8);
        let text = format!("{svc:?}");
        assert!(
            text.starts_with("ContextService { inner: 5, base: Snapshot"),
            "{text}"
        );
    }
}
