use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX, shape = plain, shape = plain)]
fn handler() {}

fn main() {
    handler();
}
