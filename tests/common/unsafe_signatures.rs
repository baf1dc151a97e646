// `unsafe fn` under `#[isolated]`: included by `tests/edition2021` (edition
// 2021) and `tests/ui/pass/unsafe_fn.rs` (edition 2024); kept apart because
// the workspace forbids `unsafe_code`.

/// # Safety
/// `p` must be valid for reads.
#[context_core::isolated(SIG)]
pub unsafe fn unsafe_fn(p: *const u32) -> u32 {
    SIG.set("leak", true);
    unsafe { *p }
}

/// # Safety
/// `p` must be valid for reads until the future completes.
#[context_core::isolated(SIG)]
pub async unsafe fn async_unsafe(p: *const u32) -> u32 {
    SIG.set("leak", true);
    unsafe { *p }
}

/// Runs both, checking results and isolation.
pub fn run_unsafe() {
    let one = 1_u32;
    assert_eq!(unsafe { unsafe_fn(&one) }, 1);
    assert!(!SIG.contains("leak"));
    assert_eq!(futures::executor::block_on(unsafe { async_unsafe(&one) }), 1);
    assert!(!SIG.contains("leak"));
}
