use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX, shape = generator)]
fn handler() {}

fn main() {
    handler();
}
