use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX)]
struct NotAFunction;

fn main() {
    let _ = NotAFunction;
}
