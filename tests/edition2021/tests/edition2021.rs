//! The edition-2021 expansion runs and isolates like the 2024 one.

#[test]
fn every_signature_compiles_runs_and_isolates_on_2021() {
    context_core_edition2021::run_all();
    context_core_edition2021::run_unsafe();
}
