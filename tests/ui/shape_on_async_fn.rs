use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX, shape = iterator)]
async fn handler() {}

fn main() {
    let _ = handler();
}
