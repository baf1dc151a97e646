use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX, capture = true)]
fn handler() {}

fn main() {
    handler();
}
