use context_core::isolated;

static COUNTER: u32 = 0;

#[isolated(COUNTER)]
fn handler() {}

fn main() {
    handler();
}
