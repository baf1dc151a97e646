//! `ContextPreservingExecutor::map` returns results in input order, whatever
//! order the jobs finish in, and runs each item in its own copy of the
//! caller's context.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use context_core::{ContextLocal, ContextPreservingExecutor, ExecutorError};

static CTX: ContextLocal = ContextLocal::named("map_order");

#[test]
fn results_are_in_input_order_when_jobs_finish_in_reverse() {
    const N: usize = 4;
    // N workers so all items run at once; item i waits until item i + 1 has
    // finished, so they finish in reverse order.
    let executor = ContextPreservingExecutor::new(N);
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..N).map(|_| mpsc::channel::<()>()).unzip();
    let gates: Vec<_> = receivers.into_iter().map(|r| Mutex::new(Some(r))).collect();
    let openers: Vec<_> = senders.into_iter().map(|s| Mutex::new(Some(s))).collect();
    let finished = Arc::new(Mutex::new(Vec::new()));
    let state = Arc::new((gates, openers));

    let order = Arc::clone(&finished);
    let results = executor.map(0..N, move |i| {
        let (gates, openers) = &*state;
        if i + 1 < N {
            let gate = gates[i + 1].lock().unwrap().take().unwrap();
            gate.recv().unwrap();
        }
        order.lock().unwrap().push(i);
        let opener = openers[i].lock().unwrap().take().unwrap();
        opener.send(()).unwrap(); // opens the gate of item i - 1
        i * 10
    });

    assert_eq!(
        *finished.lock().unwrap(),
        [3, 2, 1, 0],
        "jobs finished in reverse"
    );
    assert_eq!(results, [Ok(0), Ok(10), Ok(20), Ok(30)]);
}

#[test]
fn every_item_runs_in_its_own_copy_of_the_callers_context() {
    let executor = ContextPreservingExecutor::new(1);
    CTX.set("base", 100_u32);
    let results = executor.map(vec![1_u32, 2, 3], |x| {
        let previous = CTX.get::<u32>("last");
        CTX.set("last", x);
        (CTX.get::<u32>("base").unwrap() + x, previous)
    });
    assert_eq!(results, [Ok((101, None)), Ok((102, None)), Ok((103, None))]);
    assert!(!CTX.contains("last"));
}

#[test]
fn a_panicking_item_is_an_error_in_its_own_slot() {
    let executor = ContextPreservingExecutor::new(2);
    let results = executor.map(0..4_u32, |x| {
        assert_ne!(x, 2, "item two fails");
        x
    });
    assert_eq!(results[..2], [Ok(0), Ok(1)]);
    assert!(matches!(&results[2], Err(ExecutorError::Panicked(m)) if m.contains("item two fails")));
    assert_eq!(results[3], Ok(3));
}
