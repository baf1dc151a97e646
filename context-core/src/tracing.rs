//! Recording context values into [`tracing`](https://docs.rs/tracing) span fields.
//!
//! A span's fields are declared when the span is created; a value can be
//! filled in later with [`Span::record`]. [`record_key`] and [`record_local`]
//! do that for a [`ContextKey`] or a [`ContextLocal`] key: they read the
//! value in the *current* context (without cloning it) and record it if it
//! is set and the span declares the field.
//!
//! What this bridge is not: a span does not follow the context. The value is
//! copied into the span when you call the function; later changes to the
//! context, and frames entered afterwards, are not seen by the span, and
//! entering a span does not enter a frame. Keep the two explicit: record the
//! request's values once, where the span is created (for example at the top
//! of a handler run by [`ContextLayer`](crate::tower::ContextLayer), where
//! the request's frame is already current).
//!
//! ```
//! use context_core::ContextKey;
//! use context_core::tracing::record_key;
//! use tracing::field;
//!
//! static REQUEST_ID: ContextKey<String> = ContextKey::new("request_id");
//!
//! REQUEST_ID.run(|| {
//!     REQUEST_ID.set("req-42".to_string());
//!     let span = tracing::info_span!("handler", request_id = field::Empty);
//!     record_key(&span, "request_id", &REQUEST_ID);
//!     let _entered = span.enter();
//!     tracing::info!("events in this span carry request_id=req-42");
//! });
//! ```
//!
//! Without this feature the same is one line of `tracing` — the functions
//! only save the `Option` handling, the clone and (for a [`ContextLocal`])
//! the type annotation:
//!
//! ```
//! # use context_core::ContextKey;
//! # static REQUEST_ID: ContextKey<String> = ContextKey::new("request_id");
//! let span = tracing::info_span!("handler", request_id = REQUEST_ID.get_arc().as_deref());
//! # let _ = span;
//! ```

use ::tracing::{Span, Value};

use crate::{ContextKey, ContextLocal};

/// Records the value of `key` in the current context into the field `field`
/// of `span`.
///
/// Returns `true` if a value was recorded: the key is set and the span
/// declares `field` (declare it with `field = tracing::field::Empty` when the
/// value comes later). Otherwise the span is left unchanged.
///
/// ```
/// use context_core::ContextKey;
/// use context_core::tracing::record_key;
///
/// static TENANT: ContextKey<&'static str> = ContextKey::new("tenant");
///
/// let span = tracing::info_span!("job", tenant = tracing::field::Empty);
/// assert!(!record_key(&span, "tenant", &TENANT)); // unset: nothing recorded
/// # let _ = span;
/// ```
pub fn record_key<T>(span: &Span, field: &str, key: &ContextKey<T>) -> bool
where
    T: Value + Send + Sync + 'static,
{
    if !span.has_field(field) {
        return false;
    }
    match key.get_arc() {
        Some(value) => {
            span.record(field, &*value);
            true
        }
        None => false,
    }
}

/// Records the value stored under `key` in `local`, in the current context,
/// into the field `field` of `span`.
///
/// Returns `true` if a value was recorded: the key is set to a `T` and the
/// span declares `field`. A value of another type is not recorded.
///
/// ```
/// use context_core::ContextLocal;
/// use context_core::tracing::record_local;
///
/// static REQUEST: ContextLocal = ContextLocal::named("request");
///
/// REQUEST.run(|| {
///     REQUEST.set("attempt", 3_u64);
///     let span = tracing::info_span!("retry", attempt = tracing::field::Empty);
///     record_local::<u64>(&span, "attempt", &REQUEST, "attempt");
///     # let _ = span;
/// });
/// ```
pub fn record_local<T>(span: &Span, field: &str, local: &ContextLocal, key: &str) -> bool
where
    T: Value + Send + Sync + 'static,
{
    if !span.has_field(field) {
        return false;
    }
    match local.get_arc::<T>(key) {
        Some(value) => {
            span.record(field, &*value);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;
    use std::sync::{Arc, Mutex};

    use ::tracing::field::{Field, Visit};
    use ::tracing::span::{Attributes, Id, Record};
    use ::tracing::{Event, Metadata, Subscriber, field};

    use super::{record_key, record_local};
    use crate::{ContextKey, ContextLocal};

    static ID: ContextKey<String> = ContextKey::new("id");
    static LOCAL: ContextLocal = ContextLocal::named("tracing-tests");

    /// Keeps every `(field, value)` recorded after span creation.
    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<(String, String)>>>);

    impl Visit for Recorder {
        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            let entry = (field.name().to_string(), format!("{value:?}"));
            self.0.lock().unwrap().push(entry);
        }
    }

    impl Subscriber for Recorder {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            values.record(&mut self.clone());
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn records_set_values_into_declared_fields_only() {
        let recorder = Recorder::default();
        let _default = ::tracing::subscriber::set_default(recorder.clone());
        ID.run(|| {
            let span = ::tracing::info_span!("s", id = field::Empty, n = field::Empty);
            assert!(!record_key(&span, "id", &ID)); // unset
            ID.set("req-7".to_string());
            assert!(!record_key(&span, "undeclared", &ID));
            assert!(record_key(&span, "id", &ID));

            LOCAL.set("n", 5_u64);
            assert!(!record_local::<i64>(&span, "n", &LOCAL, "n")); // other type
            assert!(!record_local::<u64>(&span, "n", &LOCAL, "missing"));
            assert!(record_local::<u64>(&span, "n", &LOCAL, "n"));
        });
        assert_eq!(
            *recorder.0.lock().unwrap(),
            [
                ("id".to_string(), "\"req-7\"".to_string()),
                ("n".to_string(), "5".to_string())
            ]
        );
    }
}
