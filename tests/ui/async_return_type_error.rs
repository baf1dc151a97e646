use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX)]
async fn handler(x: u32) -> u32 {
    if x == 0 {
        return "zero";
    }
    x
}

fn main() {
    let _ = handler(1);
}
