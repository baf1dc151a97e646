use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX)]
const fn answer() -> u32 {
    42
}

fn main() {
    let _ = answer();
}
