//! The attribute's arguments: `#[isolated(LOCAL, .., shape = .., crate = ..)]`.

use proc_macro2::Span;
use quote::ToTokens;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Expr, Ident, Path, Token};

mod kw {
    syn::custom_keyword!(shape);
    syn::custom_keyword!(plain);
    syn::custom_keyword!(future);
    syn::custom_keyword!(iterator);
    syn::custom_keyword!(stream);
}

/// A shape forced with `shape = ...`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShapeKind {
    Plain,
    Future,
    Iterator,
    Stream,
}

impl ShapeKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            ShapeKind::Plain => "plain",
            ShapeKind::Future => "future",
            ShapeKind::Iterator => "iterator",
            ShapeKind::Stream => "stream",
        }
    }
}

/// Parsed arguments.
pub(crate) struct Args {
    /// The locals the function works with, in order; each is type-checked.
    pub(crate) locals: Vec<Expr>,
    /// `shape = ...` and the span of its value, if given.
    pub(crate) shape: Option<(ShapeKind, Span)>,
    /// `crate = path`: where the runtime is; `::context_core` by default.
    pub(crate) krate: Option<Path>,
}

impl Args {
    /// The path generated code reaches `__private` through.
    pub(crate) fn private_path(&self) -> proc_macro2::TokenStream {
        self.private_path_at(Span::call_site())
    }

    /// The same, with the default path's tokens at `span`.
    pub(crate) fn private_path_at(&self, span: Span) -> proc_macro2::TokenStream {
        match &self.krate {
            Some(path) => quote::quote_spanned!(span=> #path::__private),
            None => quote::quote_spanned!(span=> ::context_core::__private),
        }
    }
}

impl Args {
    /// Parses the attribute's arguments.
    pub(crate) fn parse_args(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args {
            locals: Vec::new(),
            shape: None,
            krate: None,
        };
        let mut seen_locals: Vec<String> = Vec::new();
        while !input.is_empty() {
            if input.peek(kw::shape) && input.peek2(Token![=]) {
                let key: kw::shape = input.parse()?;
                input.parse::<Token![=]>()?;
                let shape = parse_shape(input)?;
                if args.shape.is_some() {
                    return Err(syn::Error::new(key.span, "duplicate `shape` argument"));
                }
                args.shape = Some(shape);
            } else if input.peek(Token![crate]) && input.peek2(Token![=]) {
                let key: Token![crate] = input.parse()?;
                input.parse::<Token![=]>()?;
                let path = input.call(Path::parse_mod_style)?;
                if args.krate.is_some() {
                    return Err(syn::Error::new(key.span, "duplicate `crate` argument"));
                }
                args.krate = Some(path);
            } else if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
                let key: Ident = input.parse()?;
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown argument `{key}`; expected `shape = ...`, `crate = ...` \
                         or a context local"
                    ),
                ));
            } else {
                let local: Expr = input.parse()?;
                let text = local.to_token_stream().to_string();
                if seen_locals.contains(&text) {
                    return Err(syn::Error::new(
                        local.span(),
                        format!("`{text}` is listed twice"),
                    ));
                }
                seen_locals.push(text);
                args.locals.push(local);
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    }
}

fn parse_shape(input: ParseStream<'_>) -> syn::Result<(ShapeKind, Span)> {
    let lookahead = input.lookahead1();
    let kind = if lookahead.peek(kw::plain) {
        ShapeKind::Plain
    } else if lookahead.peek(kw::future) {
        ShapeKind::Future
    } else if lookahead.peek(kw::iterator) {
        ShapeKind::Iterator
    } else if lookahead.peek(kw::stream) {
        ShapeKind::Stream
    } else if input.peek(Ident) {
        let bad: Ident = input.parse()?;
        return Err(syn::Error::new(
            bad.span(),
            format!("unknown shape `{bad}`; expected `plain`, `future`, `iterator` or `stream`"),
        ));
    } else {
        return Err(lookahead.error());
    };
    let ident: Ident = input.parse()?;
    Ok((kind, ident.span()))
}
