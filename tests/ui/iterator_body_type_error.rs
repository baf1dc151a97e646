use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

#[isolated(CTX)]
fn rows(n: u32) -> Box<dyn Iterator<Item = u32>> {
    Box::new((0..n).map(|i| i.to_string()))
}

fn main() {
    let _ = rows(1);
}
