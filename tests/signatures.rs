//! Every supported signature compiles on edition 2024 and stays isolated
//! (`tests/edition2021` compiles the same file on edition 2021).
#![allow(missing_docs)] // the fixtures are `pub` so that edition2021 can export them

include!("common/signatures.rs");

#[test]
fn every_signature_compiles_runs_and_isolates() {
    run_all();
}

#[test]
fn call_send_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let data = [1];
    let h = Holder { data: &data, n: 0 };
    assert_send(&h.call_send("x"));
    assert_send(&async_elided("x", b""));
    assert_send(&h.async_ref("x"));
}
