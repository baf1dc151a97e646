//! Code generation: one function per shape. The signature is re-emitted as
//! written and only the body is wrapped — except for `async fn`, which
//! becomes `fn .. -> impl Future<Output = T>` so that the context is captured
//! when the function is called rather than when the future is first polled.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{
    Block, Expr, FnArg, GenericParam, Ident, ItemFn, Lifetime, LifetimeParam, Pat, ReceiverKind,
    ReturnType, Stmt, Type,
};

use crate::args::Args;
use crate::shape::{Kind, Shape, Wrap};

/// Rewrites `item` into its isolated form.
pub(crate) fn expand(args: &Args, mut item: ItemFn, shape: Shape) -> TokenStream {
    let private = args.private_path();
    let checks = local_checks(args);
    match shape {
        Shape::Plain => plain(&mut item, &private, checks),
        Shape::Returns(kind, wrap) => returns(&mut item, &private, checks, kind, wrap),
        Shape::AsyncFn => return async_fn(item, &private, checks),
    }
    quote!(#item)
}

/// `if false { check_local(&LOCAL); }` per argument: a type check that
/// points at the argument and never runs.
fn local_checks(args: &Args) -> TokenStream {
    let checks = args.locals.iter().map(|local| {
        // Spanned at the argument, so that a type error points at it alone.
        let span = local.span();
        let private = args.private_path_at(span);
        quote_spanned!(span=> #private::check_local(&#local);)
    });
    let span = Span::mixed_site();
    if args.locals.is_empty() {
        TokenStream::new()
    } else {
        quote_spanned!(span=> if false { #(#checks)* })
    }
}

/// Replaces the body's statements with `tokens`, keeping its braces (and
/// with them the spans of the user's block).
fn set_body(block: &mut Block, tokens: TokenStream) {
    block.stmts = vec![Stmt::Expr(Expr::Verbatim(tokens), None)];
}

/// plain: `{ let __guard = __private::enter(); <body> }` — the frame lives
/// until the function returns or unwinds.
fn plain(item: &mut ItemFn, private: &TokenStream, checks: TokenStream) {
    let stmts = &item.block.stmts;
    let guard = Span::mixed_site();
    let tokens = quote_spanned! {guard=>
        #checks
        let __context_core_guard = #private::enter();
        #(#stmts)*
    };
    set_body(&mut item.block, tokens);
}

/// future / iterator / stream returned by a non-async fn:
/// `{ <wrap>(__private::<kind>(move || { <body> })) }` — the body (which
/// builds the value) and every step of the value run in one frame, captured
/// at call time.
fn returns(item: &mut ItemFn, private: &TokenStream, checks: TokenStream, kind: Kind, wrap: Wrap) {
    let stmts = &item.block.stmts;
    // A `return` of the declared type first, so that the body's tail and
    // `return`s are checked against it (errors at the user's line, and
    // coercions such as `Box<T>` -> `Box<dyn Iterator>` keep working).
    let fake_return = match (&item.sig.output, wrap) {
        (ReturnType::Type(_, ty), Wrap::Box | Wrap::BoxPin) => fake_return(ty),
        _ => TokenStream::new(),
    };
    let span = item.block.brace_token.span.join();
    let make = match kind {
        Kind::Future => quote!(future),
        Kind::Iterator => quote!(iter),
        Kind::Stream => quote!(stream),
    };
    let mixed = Span::mixed_site();
    let call = quote_spanned! {span=>
        #private::#make(move || { #fake_return #(#stmts)* })
    };
    let value = match wrap {
        Wrap::Impl => call,
        Wrap::Box => quote_spanned!(span=> #private::Box::new(#call)),
        Wrap::BoxPin => quote_spanned!(span=> #private::Box::pin(#call)),
    };
    let tokens = quote_spanned!(mixed=> #checks #value);
    set_body(&mut item.block, tokens);
}

/// `if false { let __ret: T = loop {}; return __ret; }`, as
/// tracing-attributes does: fixes the type the body is checked against.
fn fake_return(ty: &Type) -> TokenStream {
    if contains_impl_trait(ty) {
        return TokenStream::new();
    }
    let span = ty.span();
    // Hygienic, but located at the return type: "return type inferred to
    // be `T` here" then points at the user's `-> T`.
    let name = Ident::new(
        "__context_core_fake_return",
        Span::mixed_site().located_at(span),
    );
    quote_spanned! {span=>
        #[allow(
            unknown_lints,
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::let_with_type_underscore,
            clippy::needless_return,
            clippy::unreachable
        )]
        if false {
            let #name: #ty = loop {};
            return #name;
        }
    }
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl Visit<'_> for Finder {
        fn visit_type_impl_trait(&mut self, _: &syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}

/// `async fn f(args) -> T { body }` becomes
///
/// ```text
/// fn f<'.., '__ctx0..>(args with elided lifetimes named)
///     -> impl Future<Output = T> + Captures<(&'a (), &'__ctx0 (), ..)>
/// {
///     __private::future(move || async move { <args moved in>; body })
/// }
/// ```
///
/// `future` captures the context now, at call time. `Captures` names every
/// lifetime so that the `impl Future` captures them on edition 2021 too
/// (edition 2024 captures them anyway).
fn async_fn(mut item: ItemFn, private: &TokenStream, checks: TokenStream) -> TokenStream {
    let sig = &mut item.sig;
    sig.asyncness = None;

    // Name the elided lifetimes of the inputs and collect every lifetime.
    let mut namer = ElidedNamer {
        next: 0,
        named: Vec::new(),
    };
    for input in sig.inputs.iter_mut() {
        match input {
            FnArg::Receiver(receiver) => match &mut receiver.kind {
                ReceiverKind::Reference(and, lifetime @ None, _) => {
                    *lifetime = Some(namer.fresh(and.spans[0]));
                }
                ReceiverKind::Typed(_, ty) => namer.visit_type_mut(ty),
                _ => {}
            },
            FnArg::Typed(typed) => namer.visit_type_mut(&mut typed.ty),
        }
    }
    let insert_at = sig
        .generics
        .params
        .iter()
        .take_while(|param| matches!(param, GenericParam::Lifetime(_)))
        .count();
    for (offset, lifetime) in namer.named.into_iter().enumerate() {
        let param = GenericParam::Lifetime(LifetimeParam {
            attrs: Vec::new(),
            lifetime,
            colon_token: None,
            bounds: Default::default(),
        });
        sig.generics.params.insert(insert_at + offset, param);
    }
    if !sig.generics.params.is_empty() && sig.generics.lt_token.is_none() {
        sig.generics.lt_token = Some(Default::default());
        sig.generics.gt_token = Some(Default::default());
    }
    // Every lifetime the future may hold: the function's own, and those of
    // the impl block that its arguments (or `Self`) mention.
    let mut lifetimes = LifetimeCollector(Vec::new());
    for param in &sig.generics.params {
        if let GenericParam::Lifetime(param) = param {
            lifetimes.add(&param.lifetime);
        }
    }
    for input in &sig.inputs {
        lifetimes.visit_fn_arg(input);
    }
    let lifetimes = lifetimes.0;
    let has_receiver = sig.receiver().is_some();

    // `-> impl Future<Output = T> + Captures<..>`, spanned at the user's
    // return type (or the signature when there is none).
    let (output_ty, output_span) = match &sig.output {
        ReturnType::Default => (quote!(()), sig.paren_token.span.close()),
        ReturnType::Type(_, ty) => (quote!(#ty), ty.span()),
    };
    let mut captures = TokenStream::new();
    if !lifetimes.is_empty() {
        captures.extend(quote_spanned!(output_span=> + #private::Captures<(#(&#lifetimes (),)*)>));
    }
    if has_receiver {
        captures.extend(quote_spanned!(output_span=> + #private::Captures<Self>));
    }
    let output: Type = syn::parse_quote_spanned! {output_span=>
        impl #private::Future<Output = #output_ty> #captures
    };
    let fake_return = match &sig.output {
        ReturnType::Default => TokenStream::new(),
        ReturnType::Type(_, ty) => fake_return(ty),
    };
    sig.output = ReturnType::Type(Default::default(), Box::new(output));

    // Move every argument into the future whole, as an `async fn` does:
    // rebind plain names, and destructure other patterns inside.
    let mut moves = TokenStream::new();
    for (index, input) in sig.inputs.iter_mut().enumerate() {
        match input {
            FnArg::Receiver(receiver) => {
                if !matches!(receiver.kind, ReceiverKind::Reference(..)) {
                    let self_token = receiver.self_token;
                    moves.extend(quote_spanned!(Span::mixed_site()=> let _ = &#self_token;));
                }
            }
            FnArg::Typed(typed) => match &mut *typed.pat {
                Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                    let mutability = ident.mutability.take();
                    let name = &ident.ident;
                    moves.extend(quote!(let #mutability #name = #name;));
                }
                pat => {
                    let arg = format_ident!("__arg{}", index, span = Span::mixed_site());
                    let original = std::mem::replace(
                        pat,
                        Pat::Ident(syn::PatIdent {
                            attrs: Vec::new(),
                            by_ref: None,
                            mutability: None,
                            ident: arg.clone(),
                            subpat: None,
                        }),
                    );
                    moves.extend(quote!(let #arg = #arg; let #original = #arg;));
                }
            },
        }
    }

    let allow_refining = if captures.is_empty() {
        TokenStream::new()
    } else {
        // In a trait impl, `+ Captures<..>` is a (harmless) refinement of
        // the trait's `async fn`.
        quote!(#[allow(refining_impl_trait)])
    };
    let stmts = &item.block.stmts;
    let span = item.block.brace_token.span.join();
    let mixed = Span::mixed_site();
    let future = quote_spanned! {span=>
        #private::future(move || async move { #fake_return #moves #(#stmts)* })
    };
    set_body(&mut item.block, quote_spanned!(mixed=> #checks #future));
    quote! {
        #allow_refining
        #item
    }
}

/// Collects, once each, the lifetimes named in argument types, except
/// `'static` and those bound inside `fn(..)`, `Fn(..)` and `for<..>`.
struct LifetimeCollector(Vec<Lifetime>);

impl LifetimeCollector {
    fn add(&mut self, lifetime: &Lifetime) {
        if lifetime.ident != "static" && !self.0.iter().any(|l| l.ident == lifetime.ident) {
            self.0.push(lifetime.clone());
        }
    }
}

impl Visit<'_> for LifetimeCollector {
    fn visit_lifetime(&mut self, lifetime: &Lifetime) {
        self.add(lifetime);
    }

    fn visit_type_fn_ptr(&mut self, _: &syn::TypeFnPtr) {}

    fn visit_parenthesized_generic_arguments(&mut self, _: &syn::ParenthesizedGenericArguments) {}

    fn visit_trait_bound(&mut self, bound: &syn::TraitBound) {
        if bound.lifetimes.is_none() {
            syn::visit::visit_trait_bound(self, bound);
        }
    }

    fn visit_type_macro(&mut self, _: &syn::TypeMacro) {}
}

/// Names the elided lifetimes of argument types (`&T`, `'_`) `'__ctx0`,
/// `'__ctx1`, ... It leaves alone `fn(&T)` pointers and `Fn(&T)` sugar,
/// whose elided lifetimes are higher-ranked, and macros.
struct ElidedNamer {
    next: usize,
    named: Vec<Lifetime>,
}

impl ElidedNamer {
    fn fresh(&mut self, span: Span) -> Lifetime {
        // Located at the elided lifetime, but marked as coming from the
        // macro, so that lints such as `clippy::needless_lifetimes` leave
        // the user's code alone.
        let span = Span::call_site().located_at(span);
        let lifetime = Lifetime::new(&format!("'__ctx{}", self.next), span);
        self.next += 1;
        self.named.push(lifetime.clone());
        lifetime
    }
}

impl VisitMut for ElidedNamer {
    fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
        if reference.lifetime.is_none() {
            reference.lifetime = Some(self.fresh(reference.and_token.spans[0]));
        }
        syn::visit_mut::visit_type_reference_mut(self, reference);
    }

    fn visit_lifetime_mut(&mut self, lifetime: &mut Lifetime) {
        if lifetime.ident == "_" {
            *lifetime = self.fresh(lifetime.span());
        }
    }

    fn visit_type_fn_ptr_mut(&mut self, _: &mut syn::TypeFnPtr) {}

    fn visit_parenthesized_generic_arguments_mut(
        &mut self,
        _: &mut syn::ParenthesizedGenericArguments,
    ) {
    }

    fn visit_type_macro_mut(&mut self, _: &mut syn::TypeMacro) {}
}
