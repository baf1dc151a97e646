// `unsafe fn` and `async unsafe fn` on edition 2024 (the workspace forbids
// `unsafe_code`, so this lives outside it; edition 2021 is covered by
// tests/edition2021).
use context_core::ContextLocal;

static SIG: ContextLocal = ContextLocal::new();

include!("../../common/unsafe_signatures.rs");

fn main() {
    run_unsafe();
}
