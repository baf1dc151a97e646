//! `examples/axum_server.rs` under load: 1,000 concurrent HTTP requests over
//! loopback, each with its own `x-request-id`; every response must carry
//! exactly its own id — in the handler before and after an `.await`, in a
//! task spawned by the handler, in an executor job and in the response
//! header. Zero cross-request leaks.

use std::sync::Arc;
use std::time::Duration;

use context_core::ContextPreservingExecutor;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

#[allow(dead_code)] // the example's `main` and `address`
#[path = "../examples/axum_server.rs"]
mod axum_server;

const REQUESTS: usize = 1_000;
const DEADLINE: Duration = Duration::from_secs(120);

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

/// Starts the example's app on 127.0.0.1, port 0; returns its base URL.
async fn start_server() -> String {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    tokio::spawn(axum_server::serve(listener));
    format!("http://{addr}")
}

/// GETs `url`, with `id` as `x-request-id` if given: (echoed header, body).
async fn get(client: &HttpClient, url: &str, id: Option<&str>) -> (String, String) {
    let mut request = Request::get(url);
    if let Some(id) = id {
        request = request.header("x-request-id", id);
    }
    let response = client
        .request(request.body(Empty::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let echoed = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (echoed, String::from_utf8(body.to_vec()).unwrap())
}

/// Checks a `/work` body: every place saw `id` and the base's service name.
fn assert_all_saw(id: &str, body: &str) {
    let invoice = format!("invoice for request {id}");
    let expected = [
        ("handler", id),
        ("after_await", id),
        ("spawned", invoice.as_str()),
        ("executor", invoice.as_str()),
        ("service", "axum_server"),
    ];
    let lines: Vec<(&str, &str)> = body
        .lines()
        .map(|line| line.split_once('=').expect("key=value"))
        .collect();
    assert_eq!(lines, expected, "request {id} got:\n{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_requests_each_see_only_their_own_id() {
    let url = format!("{}/work", start_server().await);
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();

    let run = async {
        let mut requests = JoinSet::new();
        for i in 0..REQUESTS {
            let (client, url) = (client.clone(), url.clone());
            requests.spawn(async move {
                let id = format!("req-{i:04}");
                let (echoed, body) = get(&client, &url, Some(&id)).await;
                (id, echoed, body)
            });
        }
        let mut done = 0;
        while let Some(result) = requests.join_next().await {
            let (id, echoed, body) = result.unwrap();
            assert_eq!(echoed, id, "response header of request {id}");
            assert_all_saw(&id, &body);
            done += 1;
        }
        done
    };
    let done = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("1,000 requests did not finish in time");
    assert_eq!(done, REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_an_id_gets_a_generated_one_everywhere() {
    let base = start_server().await;
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let run = async {
        let (first, body) = get(&client, &format!("{base}/work"), None).await;
        assert!(first.starts_with("gen-"), "{first}");
        assert_all_saw(&first, &body);

        let (second, body) = get(&client, &format!("{base}/"), None).await;
        assert!(second.starts_with("gen-") && second != first, "{second}");
        assert_eq!(
            body,
            format!("hello, request {second}\ninvoice for request {second}\n")
        );
    };
    tokio::time::timeout(DEADLINE, run)
        .await
        .expect("timed out");
}

/// The app also works when built by hand around an executor of one's own.
#[tokio::test]
async fn the_app_can_be_served_with_its_own_executor() {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum_server::app(Arc::new(ContextPreservingExecutor::new(1)));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let run = async {
        let (echoed, body) = get(&client, &format!("http://{addr}/work"), Some("own")).await;
        assert_eq!(echoed, "own");
        // Built before `serve` set the service name: the base has none.
        assert!(body.ends_with("service=<none>\n"), "{body}");
    };
    tokio::time::timeout(DEADLINE, run)
        .await
        .expect("timed out");
}
