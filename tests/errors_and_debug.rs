//! Reading APIs and diagnostics: `get_arc` returns the stored `Arc`
//! (`Arc::ptr_eq`), `try_get` errors `Missing` / `TypeMismatch` naming the
//! key (`name.key` for a named local), `Display` messages, `keys()` sorted,
//! and `Debug` output of the public types shows names and keys.

#[macro_use]
mod support;

use std::error::Error;
use std::sync::Arc;

use context_core::{
    Backend, ContextError, ContextKey, ContextLocal, ContextMap, ExecutorError, Snapshot,
};

for_each_backend!(
    get_arc_returns_the_stored_arc,
    try_get_says_why_there_is_no_value,
    keys_are_sorted,
    get_checks_the_type,
);

fn get_arc_returns_the_stored_arc(ctx: &'static ContextLocal, _other: &'static ContextLocal) {
    ctx.set("v", vec![1_u8, 2, 3]);
    let a: Arc<Vec<u8>> = ctx.get_arc("v").unwrap();
    let b: Arc<Vec<u8>> = ctx.get_arc("v").unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(*a, [1, 2, 3]);
    // A frame shares the value until it writes it.
    ctx.run(|| {
        assert!(Arc::ptr_eq(&a, &ctx.get_arc::<Vec<u8>>("v").unwrap()));
        ctx.set("other", 0_u8);
        assert!(Arc::ptr_eq(&a, &ctx.get_arc::<Vec<u8>>("v").unwrap()));
        ctx.set("v", vec![9_u8]);
        let inner = ctx.get_arc::<Vec<u8>>("v").unwrap();
        assert!(!Arc::ptr_eq(&a, &inner));
        assert_eq!(*inner, [9]);
    });
    assert!(Arc::ptr_eq(&a, &ctx.get_arc::<Vec<u8>>("v").unwrap()));
    // Snapshots share it too.
    let snap = Snapshot::current();
    assert!(snap.run(|| Arc::ptr_eq(&a, &ctx.get_arc::<Vec<u8>>("v").unwrap())));
    // Of another type, or unset: None.
    assert!(ctx.get_arc::<String>("v").is_none());
    assert!(ctx.get_arc::<Vec<u8>>("unset").is_none());
    // Holding the Arc keeps the value after it is overwritten.
    ctx.set("v", vec![4_u8]);
    assert_eq!(*a, [1, 2, 3]);
    assert!(!Arc::ptr_eq(&a, &ctx.get_arc::<Vec<u8>>("v").unwrap()));
}

fn try_get_says_why_there_is_no_value(ctx: &'static ContextLocal, _other: &'static ContextLocal) {
    assert_eq!(
        ctx.try_get::<u64>("id"),
        Err(ContextError::Missing { key: "id".into() })
    );
    ctx.set("id", "abc");
    assert_eq!(
        ctx.try_get::<u64>("id"),
        Err(ContextError::TypeMismatch {
            key: "id".into(),
            expected: std::any::type_name::<u64>(),
        })
    );
    assert_eq!(ctx.try_get::<&str>("id"), Ok("abc"));
    ctx.run(|| {
        ctx.remove("id");
        assert_eq!(
            ctx.try_get::<&str>("id"),
            Err(ContextError::Missing { key: "id".into() })
        );
    });
    assert_eq!(ctx.try_get::<&str>("id"), Ok("abc"));
}

fn keys_are_sorted(ctx: &'static ContextLocal, _other: &'static ContextLocal) {
    let keys = [
        "zeta", "Alpha", "beta", "b", "", "éclair", "10", "9", "beta2",
    ];
    for (i, k) in keys.iter().enumerate() {
        ctx.set(k, i);
    }
    let mut sorted: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    sorted.sort();
    assert_eq!(ctx.keys(), sorted);
    // Values of any type count; removed keys do not.
    ctx.set("beta", "text");
    ctx.run(|| {
        ctx.remove("zeta");
        ctx.remove("");
        let expected: Vec<&str> = sorted[1..sorted.len()]
            .iter()
            .map(String::as_str)
            .filter(|k| *k != "zeta")
            .collect();
        assert_eq!(ctx.keys(), expected);
    });
    assert_eq!(ctx.keys(), sorted);
    // Many keys.
    for i in (0..200).rev() {
        ctx.set(&format!("k{i:03}"), i);
    }
    let keys = ctx.keys();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    assert_eq!(keys.len(), sorted.len() + 200);
}

fn get_checks_the_type(ctx: &'static ContextLocal, _other: &'static ContextLocal) {
    ctx.set("port", 8080_u16);
    assert_eq!(ctx.get::<u16>("port"), Some(8080));
    assert_eq!(ctx.get::<u32>("port"), None);
    assert!(ctx.contains("port"), "contains is type-agnostic");
    ctx.set("port", 8081_u32);
    assert_eq!(ctx.get::<u16>("port"), None);
    assert_eq!(ctx.get::<u32>("port"), Some(8081));
    // Unit and zero-sized values are values.
    ctx.set("unit", ());
    assert!(ctx.contains("unit"));
    assert_eq!(ctx.get::<()>("unit"), Some(()));
}

#[test]
fn named_locals_qualify_the_key_in_errors() {
    static REQ: ContextLocal = ContextLocal::named("request");
    let missing = REQ.try_get::<u64>("id").unwrap_err();
    assert_eq!(
        missing,
        ContextError::Missing {
            key: "request.id".into()
        }
    );
    assert_eq!(missing.to_string(), "no context value for key `request.id`");

    REQ.set("id", "abc");
    let mismatch = REQ.try_get::<u64>("id").unwrap_err();
    assert_eq!(
        mismatch,
        ContextError::TypeMismatch {
            key: "request.id".into(),
            expected: "u64",
        }
    );
    assert_eq!(
        mismatch.to_string(),
        "context value for key `request.id` is not of the requested type `u64`"
    );
    // The stored key itself is not qualified.
    assert_eq!(REQ.keys(), ["id"]);
    assert_eq!(REQ.get::<&str>("id"), Some("abc"));
}

#[test]
fn errors_are_std_errors_with_display() {
    let errors: [Box<dyn Error + Send + Sync>; 4] = [
        Box::new(ContextError::Missing { key: "k".into() }),
        Box::new(ContextError::TypeMismatch {
            key: "k".into(),
            expected: "alloc::string::String",
        }),
        Box::new(ExecutorError::Panicked("boom".into())),
        Box::new(ExecutorError::ShutDown),
    ];
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "no context value for key `k`",
            "context value for key `k` is not of the requested type `alloc::string::String`",
            "job panicked: boom",
            "executor is shut down",
        ]
    );
    assert!(errors.iter().all(|e| e.source().is_none()));
    let anonymous = ContextLocal::new();
    assert_eq!(
        anonymous.try_get::<String>("k").unwrap_err().to_string(),
        "no context value for key `k`"
    );
}

#[test]
fn debug_output_is_meaningful() {
    static REQ: ContextLocal = ContextLocal::named("request");
    static COPYING: ContextLocal = ContextLocal::with_backend(Backend::Copying);
    static USER: ContextKey<String> = ContextKey::new("user");

    REQ.set("trace_id", 7_u64);
    REQ.set("path", "/");
    let req = format!("{REQ:?}");
    assert!(req.contains("ContextLocal"), "{req}");
    assert!(req.contains("\"request\""), "{req}");
    assert!(req.contains("\"path\", \"trace_id\""), "{req}");
    assert!(req.contains("Persistent"), "{req}");

    COPYING.set("k", 1_u8);
    let copying = format!("{COPYING:?}");
    assert!(
        copying.contains("Copying") && copying.contains("\"k\""),
        "{copying}"
    );
    // A frame shows the frame's keys.
    REQ.run(|| {
        REQ.remove("path");
        let inner = format!("{REQ:?}");
        assert!(
            inner.contains("\"trace_id\"") && !inner.contains("\"path\""),
            "{inner}"
        );
    });

    let unset = format!("{USER:?}");
    assert!(
        unset.contains("ContextKey") && unset.contains("\"user\""),
        "{unset}"
    );
    assert!(unset.contains("None"), "{unset}");
    USER.set("ann".into());
    let set = format!("{USER:?}");
    assert!(set.contains("\"user\"") && set.contains("\"ann\""), "{set}");

    let map = ContextMap::with_defaults([("color", 1)]);
    map.insert("font", 2);
    let map_debug = format!("{map:?}");
    assert!(map_debug.contains("ContextMap"), "{map_debug}");
    assert!(
        map_debug.contains("\"color\": 1") && map_debug.contains("\"font\": 2"),
        "{map_debug}"
    );

    let snap = format!("{:?}", Snapshot::current());
    assert!(snap.starts_with("Snapshot"), "{snap}");
    assert_ne!(
        snap,
        format!("{:?}", Snapshot::empty()),
        "a snapshot shows what it holds"
    );

    let guard = REQ.enter();
    assert!(format!("{guard:?}").starts_with("FrameGuard"));
    drop(guard);

    assert_eq!(format!("{:?}", Backend::default()), "Persistent");
    let err = format!("{:?}", REQ.try_get::<u8>("nope").unwrap_err());
    assert!(
        err.contains("Missing") && err.contains("request.nope"),
        "{err}"
    );
}
