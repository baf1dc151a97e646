//! The `#[isolated]` attribute macro of `context-core`.
//!
//! Use it through `context_core::isolated`; this crate is an implementation
//! detail whose version is pinned exactly by `context-core`.
#![forbid(unsafe_code)]
