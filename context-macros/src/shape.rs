//! Which shape a function has: detected from its signature (DESIGN.md's
//! table) or forced with `shape = ...`.

use proc_macro2::Span;
use syn::{GenericArgument, PathArguments, ReturnType, Signature, Type, TypeParamBound, TypePath};

use crate::args::ShapeKind;

/// How the function is turned into its isolated form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Anything else: the body runs in a frame.
    Plain,
    /// `async fn`: becomes `fn .. -> impl Future` (call-time capture).
    AsyncFn,
    /// A non-async function returning a future, iterator or stream.
    Returns(Kind, Wrap),
}

/// What a non-async function returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Future,
    Iterator,
    Stream,
}

/// How the isolated value is handed back as the declared return type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wrap {
    /// `-> impl Trait`: the wrapper itself is returned.
    Impl,
    /// `-> Box<dyn Iterator ..>` (or an alias of it): `Box::new(wrapper)`.
    Box,
    /// `-> Pin<Box<dyn Future/Stream ..>>`, `BoxFuture`, `BoxStream` (or an
    /// alias): `Box::pin(wrapper)`.
    BoxPin,
}

/// Decides the shape of `sig`, honouring a forced `shape = ...`.
pub(crate) fn detect(sig: &Signature, forced: Option<(ShapeKind, Span)>) -> syn::Result<Shape> {
    if sig.asyncness.is_some() {
        return match forced {
            None | Some((ShapeKind::Future, _)) => Ok(Shape::AsyncFn),
            Some((kind, span)) => Err(syn::Error::new(
                span,
                format!(
                    "an `async fn` always has the `future` shape, not `{}`",
                    kind.name()
                ),
            )),
        };
    }
    let detected = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => detect_type(ty),
    };
    let Some((kind, span)) = forced else {
        return Ok(detected.map_or(Shape::Plain, |(kind, wrap)| Shape::Returns(kind, wrap)));
    };
    let forced_name = kind.name();
    let kind = match kind {
        ShapeKind::Plain => return Ok(Shape::Plain),
        ShapeKind::Future => Kind::Future,
        ShapeKind::Iterator => Kind::Iterator,
        ShapeKind::Stream => Kind::Stream,
    };
    let ReturnType::Type(_, ty) = &sig.output else {
        return Err(syn::Error::new(
            span,
            format!(
                "`shape = {name}` needs a function that returns the {name}",
                name = forced_name
            ),
        ));
    };
    // A forced shape keeps the detected wrapping when the signature agrees;
    // otherwise an `impl Trait` is returned as is and any other type (an
    // alias) is taken to be the boxed form of that shape.
    let wrap = match detected {
        Some((detected_kind, wrap)) if detected_kind == kind => wrap,
        _ if matches!(strip(ty), Type::ImplTrait(_)) => Wrap::Impl,
        _ if kind == Kind::Iterator => Wrap::Box,
        _ => Wrap::BoxPin,
    };
    Ok(Shape::Returns(kind, wrap))
}

/// Parentheses and invisible groups (from `macro_rules!`) do not matter.
fn strip(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Paren(inner) => ty = &inner.elem,
            Type::Group(inner) => ty = &inner.elem,
            _ => return ty,
        }
    }
}

fn detect_type(ty: &Type) -> Option<(Kind, Wrap)> {
    match strip(ty) {
        Type::ImplTrait(imp) => bounds_kind(imp.bounds.iter()).map(|kind| (kind, Wrap::Impl)),
        Type::Path(path) => {
            let (name, arg) = last_segment(path)?;
            match name.as_str() {
                "BoxFuture" | "LocalBoxFuture" => Some((Kind::Future, Wrap::BoxPin)),
                "BoxStream" | "LocalBoxStream" => Some((Kind::Stream, Wrap::BoxPin)),
                "Box" => match dyn_kind(arg?)? {
                    Kind::Iterator => Some((Kind::Iterator, Wrap::Box)),
                    _ => None,
                },
                "Pin" => {
                    let Type::Path(boxed) = strip(arg?) else {
                        return None;
                    };
                    match last_segment(boxed)? {
                        (name, Some(inner)) if name == "Box" => match dyn_kind(inner)? {
                            Kind::Iterator => None,
                            kind => Some((kind, Wrap::BoxPin)),
                        },
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The last segment's name and its first type argument.
fn last_segment(path: &TypePath) -> Option<(String, Option<&Type>)> {
    if path.qself.is_some() {
        return None;
    }
    let segment = path.path.segments.last()?;
    let arg = match &segment.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    };
    Some((segment.ident.to_string(), arg))
}

fn dyn_kind(ty: &Type) -> Option<Kind> {
    match strip(ty) {
        Type::TraitObject(obj) => bounds_kind(obj.bounds.iter()),
        _ => None,
    }
}

fn bounds_kind<'a>(bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<Kind> {
    bounds
        .filter_map(|bound| match bound {
            TypeParamBound::Trait(t) if t.maybe.is_none() => t.path.segments.last(),
            _ => None,
        })
        .find_map(|segment| match segment.ident.to_string().as_str() {
            "Future" => Some(Kind::Future),
            "Iterator" | "DoubleEndedIterator" | "ExactSizeIterator" => Some(Kind::Iterator),
            "Stream" => Some(Kind::Stream),
            _ => None,
        })
}
