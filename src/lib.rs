//! Host package for the workspace's integration tests, examples and
//! benchmarks (not published). Shared test helpers live here.
#![forbid(unsafe_code)]
