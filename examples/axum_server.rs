//! Request-scoped context in an axum 0.8 server.
//!
//! [`ContextLayer`] runs every request in a frame of its own, seeded with the
//! request id from the `x-request-id` header (or a generated one). Handlers,
//! a helper deep in the call stack, a background task started with
//! `context_core::task::spawn` and a job on a [`ContextPreservingExecutor`]
//! all read the id from the context — nothing passes it along.
//!
//! ```text
//! cargo run --example axum_server          # PORT=8080 to change the port
//! curl -H 'x-request-id: abc' http://127.0.0.1:3000/work
//! ```
//!
//! `tests/axum_requests.rs` runs this very app under 1,000 concurrent
//! requests and checks that every response carries only its own id.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Request};
use axum::middleware::map_response;
use axum::response::Response;
use axum::routing::get;
use context_core::tower::ContextLayer;
use context_core::{ContextKey, ContextPreservingExecutor};
use tokio::net::TcpListener;

/// The current request's id, set by the layer's seed.
static REQUEST_ID: ContextKey<String> = ContextKey::new("request_id");
/// Set once at start-up; every request's frame starts from a copy of it.
static SERVICE: ContextKey<&'static str> = ContextKey::new("service");

/// The request id, wherever we are: no parameter threaded through.
pub(crate) fn request_id() -> String {
    REQUEST_ID.get().unwrap_or_else(|| "<none>".to_string())
}

/// Application code several calls away from the handler.
mod billing {
    pub(crate) fn invoice_line() -> String {
        format!("invoice for request {}", super::request_id())
    }
}

/// Fills each request's frame: the `x-request-id` header, or a new id.
fn seed_request_id(req: &Request<Body>) {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = match req.headers().get("x-request-id").map(HeaderValue::to_str) {
        Some(Ok(id)) => id.to_string(),
        _ => format!("gen-{}", NEXT.fetch_add(1, Ordering::Relaxed)),
    };
    REQUEST_ID.set(id);
}

/// Middleware inside the layer: the response header comes from the context.
async fn echo_request_id(mut response: Response) -> Response {
    if let Ok(value) = HeaderValue::try_from(request_id()) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

async fn hello() -> String {
    format!(
        "hello, request {}\n{}\n",
        request_id(),
        billing::invoice_line()
    )
}

/// One `key=value` line per place the id was read from.
async fn work(State(executor): State<Arc<ContextPreservingExecutor>>) -> String {
    let handler = request_id();
    tokio::task::yield_now().await; // other requests run on this thread meanwhile
    let after_await = request_id();

    // A background task: gets a copy of the request's context.
    let spawned = context_core::task::spawn(async {
        tokio::task::yield_now().await;
        billing::invoice_line()
    })
    .await
    .unwrap_or_else(|e| format!("task failed: {e}"));

    // Blocking work on the executor: the job runs in a copy of the context.
    let executor = executor
        .submit(billing::invoice_line)
        .await
        .unwrap_or_else(|e| format!("job failed: {e}"));

    let service = SERVICE.get().unwrap_or("<none>");
    format!(
        "handler={handler}\nafter_await={after_await}\nspawned={spawned}\nexecutor={executor}\nservice={service}\n"
    )
}

/// The app: call it where the context holds what every request should see.
pub(crate) fn app(executor: Arc<ContextPreservingExecutor>) -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/work", get(work))
        .with_state(executor)
        // Layers added later wrap earlier ones: `echo_request_id` runs
        // inside the request's frame.
        .layer(map_response(echo_request_id))
        .layer(ContextLayer::new().seed(seed_request_id))
}

/// Serves `app` on `listener` until the process ends.
pub(crate) async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let executor = Arc::new(ContextPreservingExecutor::new(2));
    // Start-up values every request should see: `ContextLayer::new` in `app`
    // captures them. (`run` keeps them off this thread's own context.)
    let app = SERVICE.run(|| {
        SERVICE.set("axum_server");
        app(executor)
    });
    axum::serve(listener, app).await
}

/// The address to bind: 127.0.0.1 and `$PORT`, or 3000.
fn address() -> SocketAddr {
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind(address()).await?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener).await
}
