//! Host package for the workspace's integration tests, examples and
//! benchmarks (not published). Shared test helpers live here.
#![forbid(unsafe_code)]

/// Compiles and runs every Rust snippet of the README, so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
