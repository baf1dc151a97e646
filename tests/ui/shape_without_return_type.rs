use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX, shape = stream)]
fn handler() {}

fn main() {
    handler();
}
