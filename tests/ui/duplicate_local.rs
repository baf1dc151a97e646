use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX, CTX)]
fn handler() {}

fn main() {
    handler();
}
