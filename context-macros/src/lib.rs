//! The `#[isolated]` attribute macro of `context-core`.
//!
//! Use it through `context_core::isolated`; this crate is an implementation
//! detail whose version is pinned exactly by `context-core`. Generated code
//! reaches the runtime only through `::context_core::__private`.
#![forbid(unsafe_code)]

mod args;
mod expand;
mod shape;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, ItemFn, Signature, Token, Visibility};

use crate::args::Args;

/// Runs a function in an *isolated frame*: a copy of the current context
/// whose changes are discarded when the function — or the future, iterator
/// or stream it returns — is done.
///
/// ```
/// use context_core::{ContextLocal, isolated};
///
/// static CTX: ContextLocal = ContextLocal::new();
///
/// #[isolated(CTX)]
/// fn handler(x: u32) -> u32 {
///     CTX.set("value", x);
///     CTX.get("value").unwrap()
/// }
///
/// CTX.set("value", 1_u32);
/// assert_eq!(handler(2), 2);
/// assert_eq!(CTX.get::<u32>("value"), Some(1)); // the caller's value is back
/// ```
///
/// # Arguments
///
/// `#[isolated(LOCAL, .., shape = .., crate = ..)]`, all optional:
///
/// * **locals** — paths or expressions of the `ContextLocal`, `ContextMap`
///   or `ContextKey` values the function works with. They are type-checked
///   (never evaluated) and document the function: isolation always covers
///   the *whole* context, as with `contextvars.copy_context().run(..)`.
/// * **`shape = plain | future | iterator | stream`** — overrides the shape
///   detected from the signature (below). A forced shape needs the function
///   to return an `impl Trait` of that shape or its boxed form
///   (`Box<dyn Iterator ..>`, `Pin<Box<dyn Future/Stream ..>>`), which may
///   be hidden behind a type alias.
/// * **`crate = path`** — where `context_core` is, when it is re-exported
///   under another path (default: `::context_core`).
///
/// # Shapes
///
/// | shape | detected from |
/// |---|---|
/// | plain | anything not listed below |
/// | future | `async fn`, `-> impl Future`, `-> Pin<Box<dyn Future ..>>`, `-> BoxFuture<..>` |
/// | iterator | `-> impl Iterator / DoubleEndedIterator / ExactSizeIterator`, `-> Box<dyn Iterator ..>` |
/// | stream | `-> impl Stream`, `-> Pin<Box<dyn Stream ..>>`, `-> BoxStream<..>` |
///
/// **plain** — the body runs in a new frame, left when the function
/// returns or unwinds:
///
/// ```text
/// fn f(x: u32) -> u32 {
///     let __guard = __private::enter();
///     <body>
/// }
/// ```
///
/// **future** — the context is captured *when the function is called*, not
/// when the future is first polled; the body and every poll run in the
/// call's own frame, so values set before an `.await` are seen after it,
/// and never by the caller or other tasks. An `async fn` becomes a plain
/// `fn` returning `impl Future` with the same generics, lifetimes and
/// output, which is what makes call-time capture possible (and what lets
/// `tokio::spawn(f())` carry the caller's context to another thread):
///
/// ```text
/// fn f<'a, '__ctx0>(x: &'a str, y: &'__ctx0 str) -> impl Future<Output = T>
///     + Captures<(&'a (), &'__ctx0 (),)>
/// {
///     __private::future(move || async move { let x = x; let y = y; <body> })
/// }
/// ```
///
/// A non-`async` function that returns a future has its body — which builds
/// the future — run in the frame too:
/// `__private::future(move || <body>)`, wrapped in `Box::pin(..)` for
/// `Pin<Box<dyn Future>>` and `BoxFuture`.
///
/// **iterator** — building the iterator and every `next` / `next_back` run
/// in the iterator's own frame: a value set in one `next` is seen by the next
/// `next` of the same iterator only.
/// `__private::iter(move || <body>)`, wrapped in `Box::new(..)` for
/// `Box<dyn Iterator>`. The result forwards `size_hint`,
/// `DoubleEndedIterator`, `ExactSizeIterator` and `FusedIterator`.
///
/// **stream** — as iterator, per `poll_next`:
/// `__private::stream(move || <body>)`, wrapped in `Box::pin(..)` for
/// `Pin<Box<dyn Stream>>` and `BoxStream`.
///
/// # Where it applies
///
/// Free functions, inherent and trait-impl methods (`self`, `&self`,
/// `&mut self`), generics, lifetimes, `where` clauses, `unsafe fn`, `impl
/// Trait` arguments and `async fn` in trait impls. Attributes, doc comments,
/// visibility and the signature are kept as written (for an `async fn`,
/// elided argument lifetimes get names, `'__ctx0`, `'__ctx1`, .., so that
/// the returned future captures them on edition 2021 as well as 2024).
///
/// On edition 2021, a lifetime hidden in an argument's path (`Ref<T>` for
/// `Ref<'_, T>`) cannot be seen by the macro: write `Ref<'_, T>`.
///
/// # Errors
///
/// A `compile_error!` at the offending tokens, with the function still
/// emitted unchanged so that IDEs keep working, for: an item that is not a
/// function, a `const fn`, a function without a body, an unknown or
/// duplicate argument, an unknown shape, or a shape that does not fit the
/// signature. An argument that is not a context local is a type error at
/// that argument.
#[proc_macro_attribute]
pub fn isolated(args: TokenStream, item: TokenStream) -> TokenStream {
    let original = TokenStream2::from(item.clone());
    match isolate(args.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            let error = error.into_compile_error();
            quote!(#error #original).into()
        }
    }
}

fn isolate(args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let args = Args::parse_args.parse2(args);
    let item = parse_function(item);
    let (args, item) = match (args, item) {
        (Ok(args), Ok(item)) => (args, item),
        (Err(mut first), Err(second)) => {
            first.combine(second);
            return Err(first);
        }
        (Err(error), _) | (_, Err(error)) => return Err(error),
    };
    let shape = shape::detect(&item.sig, args.shape)?;
    Ok(expand::expand(&args, item, shape))
}

/// Parses the item as a function with a body, or explains why it is not one.
fn parse_function(item: TokenStream2) -> syn::Result<ItemFn> {
    let function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(error) => return Err(not_a_function.parse2(item).unwrap_or(error)),
    };
    if let Some(constness) = function.sig.constness {
        return Err(syn::Error::new(
            constness.span,
            "`#[isolated]` cannot be applied to a `const fn`: frames are entered at run time",
        ));
    }
    Ok(function)
}

/// The error for an item that does not parse as a function with a body.
fn not_a_function(input: ParseStream<'_>) -> syn::Result<syn::Error> {
    input.call(Attribute::parse_outer)?;
    input.parse::<Visibility>()?;
    let start = input.span();
    let error = match input.parse::<Signature>() {
        Ok(sig) if input.peek(Token![;]) => syn::Error::new(
            sig.ident.span(),
            "`#[isolated]` needs a function body to run in a frame",
        ),
        // A function whose body does not parse: syn's own error says where.
        Ok(_) => return Err(input.error("expected a function body")),
        Err(_) => syn::Error::new(start, "`#[isolated]` can only be applied to functions"),
    };
    input.parse::<TokenStream2>()?;
    Ok(error)
}
