//! Compile errors of `#[isolated]` (trybuild): one mistake per file in
//! `tests/ui/`, each with the exact diagnostic it must produce.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
