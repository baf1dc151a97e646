//! Each spawned unit gets its own copy of the spawner's context, taken at the
//! spawn call: its changes never reach the spawner or its siblings, and the
//! spawner's later changes never reach it.

use std::rc::Rc;

use context_core::{ContextLocal, task, thread};
use tokio::sync::oneshot;

static CTX: ContextLocal = ContextLocal::named("spawn_isolation");

#[tokio::test]
async fn spawned_task_gets_a_copy_taken_at_spawn() {
    CTX.set("v", 1_u32);
    let (go, wait) = oneshot::channel::<()>();
    let child = task::spawn(async move {
        wait.await.unwrap();
        CTX.get::<u32>("v")
    });
    CTX.set("v", 2_u32); // after the spawn: not the child's business
    go.send(()).unwrap();
    assert_eq!(child.await.unwrap(), Some(1));
}

#[tokio::test]
async fn sibling_tasks_never_see_each_others_changes() {
    CTX.set("v", 0_u32);
    let (a_set, b_wait) = oneshot::channel::<()>();
    let a = task::spawn(async move {
        CTX.set("v", 1_u32);
        CTX.set("a_only", true);
        a_set.send(()).unwrap();
        tokio::task::yield_now().await;
        CTX.get::<u32>("v")
    });
    let b = task::spawn(async move {
        b_wait.await.unwrap(); // a has set its values by now
        (CTX.get::<u32>("v"), CTX.contains("a_only"))
    });
    assert_eq!(a.await.unwrap(), Some(1));
    assert_eq!(b.await.unwrap(), (Some(0), false));
    assert_eq!(CTX.get::<u32>("v"), Some(0));
    assert!(!CTX.contains("a_only"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_jobs_and_threads_get_copies_and_keep_their_changes() {
    CTX.set("v", 1_u32);
    let blocking = task::spawn_blocking(|| {
        let seen = CTX.get::<u32>("v");
        CTX.set("v", 10_u32);
        seen
    });
    let thread = thread::spawn(|| {
        let seen = CTX.get::<u32>("v");
        CTX.set("v", 20_u32);
        seen
    });
    assert_eq!(blocking.await.unwrap(), Some(1));
    assert_eq!(thread.join().unwrap(), Some(1));
    assert_eq!(CTX.get::<u32>("v"), Some(1));
}

#[test]
fn a_plain_std_thread_starts_empty_but_thread_spawn_carries_the_context() {
    CTX.set("v", 1_u32);
    let plain = std::thread::spawn(|| CTX.get::<u32>("v")).join().unwrap();
    let carried = thread::spawn(|| CTX.get::<u32>("v")).join().unwrap();
    assert_eq!((plain, carried), (None, Some(1)));
}

#[tokio::test]
async fn spawn_local_runs_a_not_send_task_in_a_copy_of_the_spawners_context() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            CTX.set("v", 1_u32);
            let rc = Rc::new("not Send");
            let child = task::spawn_local(async move {
                let seen = CTX.get::<u32>("v");
                CTX.set("v", 2_u32);
                tokio::task::yield_now().await;
                (seen, CTX.get::<u32>("v"), *rc)
            });
            let sibling = task::spawn_local(async {
                tokio::task::yield_now().await;
                CTX.get::<u32>("v")
            });
            assert_eq!(child.await.unwrap(), (Some(1), Some(2), "not Send"));
            assert_eq!(sibling.await.unwrap(), Some(1));
            assert_eq!(CTX.get::<u32>("v"), Some(1));
        })
        .await;
}
