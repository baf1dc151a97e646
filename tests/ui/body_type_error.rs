use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX)]
fn handler(x: u32) -> u32 {
    CTX.set("x", x);
    "not a number"
}

fn main() {
    handler(1);
}
