use context_core::isolated;

trait Handler {
    #[isolated]
    fn handle(&self);
}

fn main() {}
