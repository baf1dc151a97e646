use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX)]
async fn handler(x: u32) -> u32 {
    CTX.set("x", x);
    "not a number"
}

fn main() {
    let _ = handler(1);
}
