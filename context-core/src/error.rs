//! Errors of context reads and of the executor.

use std::error::Error;
use std::fmt;

/// Why [`ContextLocal::try_get`](crate::ContextLocal::try_get) found no value.
///
/// `key` is the key as passed; for a [`named`](crate::ContextLocal::named)
/// local it is qualified with the local's name as `name.key`, so that the
/// message says where to look.
///
/// ```
/// use context_core::{ContextError, ContextLocal};
///
/// static REQ: ContextLocal = ContextLocal::named("request");
/// let err = REQ.try_get::<u64>("id").unwrap_err();
/// assert_eq!(err, ContextError::Missing { key: "request.id".into() });
/// assert_eq!(err.to_string(), "no context value for key `request.id`");
///
/// REQ.set("id", "abc");
/// let err = REQ.try_get::<u64>("id").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "context value for key `request.id` is not of the requested type `u64`",
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextError {
    /// No value is set for the key in the current context.
    Missing {
        /// The key (qualified as `name.key` for a named local).
        key: String,
    },
    /// A value is set, but of another type than the one requested.
    TypeMismatch {
        /// The key (qualified as `name.key` for a named local).
        key: String,
        /// The requested type, as [`std::any::type_name`] spells it.
        expected: &'static str,
    },
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContextError::Missing { key } => write!(f, "no context value for key `{key}`"),
            ContextError::TypeMismatch { key, expected } => write!(
                f,
                "context value for key `{key}` is not of the requested type `{expected}`"
            ),
        }
    }
}

impl Error for ContextError {}

/// Why a job submitted to a
/// [`ContextPreservingExecutor`](crate::ContextPreservingExecutor) produced no result.
///
/// ```
/// use context_core::ExecutorError;
///
/// let err = ExecutorError::Panicked("boom".into());
/// assert_eq!(err.to_string(), "job panicked: boom");
/// assert_eq!(ExecutorError::ShutDown.to_string(), "executor is shut down");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutorError {
    /// The job panicked; carries the panic message (for `&str` and `String`
    /// payloads, a placeholder otherwise).
    Panicked(String),
    /// The job was submitted after
    /// [`shutdown`](crate::ContextPreservingExecutor::shutdown) and never ran.
    ShutDown,
}

impl fmt::Display for ExecutorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecutorError::Panicked(msg) => write!(f, "job panicked: {msg}"),
            ExecutorError::ShutDown => f.write_str("executor is shut down"),
        }
    }
}

impl Error for ExecutorError {}
