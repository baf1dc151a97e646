//! `#[isolated]` on edition 2021, where return-position `impl Trait` only
//! captures the lifetimes its bounds name: every signature form of
//! `tests/common/signatures.rs` (and the `unsafe fn`s), compiled with 2021
//! rules. The workspace's `unsafe_code = "forbid"` is not applied here so
//! that `unsafe fn` can be covered.

include!("../../common/signatures.rs");
include!("../../common/unsafe_signatures.rs");
