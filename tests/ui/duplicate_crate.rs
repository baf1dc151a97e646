use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX, crate = ::context_core, crate = ::context_core)]
fn handler() {}

fn main() {
    handler();
}
