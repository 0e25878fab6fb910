//! Named types: structs, validated string newtypes, open string enums, aliases.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc_attrs, ident, printed, ty, Context};
use crate::ir::{Constraints, Field, Name, PatternType, TypeDef, TypeDefKind, TypeRef, Variant};

/// The head of `types.rs` (docs, lints, imports); the items come from [`type_def`].
pub fn types_prelude(cx: &Context<'_>) -> TokenStream {
    let uses_runtime = cx.api.types.iter().any(|t| match &t.kind {
        TypeDefKind::Pattern(_) | TypeDefKind::StringEnum { .. } | TypeDefKind::IntEnum { .. } => true,
        // `validate()` and `Option<Option<T>>` fields of sent structs use the runtime.
        TypeDefKind::Struct { .. } => cx.api.sent_types.binary_search(&t.name.rust).is_ok(),
        _ => false,
    });
    let imports = if uses_runtime {
        cx.rt_import()
    } else {
        quote! {}
    };
    quote! {
        //! Request and response types and validated identifiers.
        #![allow(clippy::derivable_impls, clippy::new_without_default, clippy::too_many_arguments)]

        #imports
    }
}

/// Every item generated for one named type.
pub fn type_def(cx: &Context<'_>, t: &TypeDef) -> TokenStream {
    let mut docs = t.docs.clone();
    if t.name.api != t.name.rust {
        if !docs.is_empty() {
            docs.push(String::new());
        }
        docs.push(format!("Schema `{}` in the spec.", t.name.api));
    }
    if docs.is_empty() {
        docs.push(format!("The `{}` schema.", t.name.api));
    }
    match &t.kind {
        TypeDefKind::Struct { fields } => struct_def(cx, t, &docs, fields),
        TypeDefKind::IntEnum { variants } => int_enum_def(t, &docs, variants),
        TypeDefKind::OneOf { variants, discriminator } => one_of_def(t, &docs, variants, discriminator.as_deref()),
        TypeDefKind::Pattern(p) => pattern_def(t, &docs, p),
        TypeDefKind::StringEnum { variants } => {
            let name = ident(&t.name.rust);
            let docs = doc_attrs(&docs);
            let vs: Vec<_> = variants.iter().map(|v| ident(&v.rust)).collect();
            let apis: Vec<_> = variants.iter().map(|v| v.api.as_str()).collect();
            let vdocs = variants.iter().map(|v| doc_attrs(&[format!("`{}`", v.api.replace('`', "'"))]));
            quote! {
                #docs
                ///
                /// Values the server adds later arrive as `Unknown`.
                #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
                #[non_exhaustive]
                pub enum #name {
                    #( #vdocs #vs, )*
                    /// A value this client does not know yet.
                    Unknown(String),
                }

                rt::string_enum!(#name { #( #vs => #apis ),* });
            }
        }
        TypeDefKind::Alias(target) => {
            let name = ident(&t.name.rust);
            let docs = doc_attrs(&docs);
            let target = ty(target);
            quote! {
                #docs
                pub type #name = #target;
            }
        }
        TypeDefKind::Newtype(inner) => {
            let name = ident(&t.name.rust);
            let docs = doc_attrs(&docs);
            let inner = ty(inner);
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(pub #inner);
            }
        }
    }
}

/// How a field is stored, as prettyplease prints it.
fn field_type(f: &Field) -> String {
    let (open, close) = if f.required && !f.nullable {
        ("", "")
    } else if f.absent_vs_null && f.ty != TypeRef::DateTime {
        ("Option<Option<", ">>")
    } else {
        ("Option<", ">")
    };
    let mut out = String::with_capacity(32);
    out.push_str(open);
    if f.boxed {
        out.push_str("Box<");
    }
    printed::ty(&f.ty, &mut out);
    if f.boxed {
        out.push('>');
    }
    out.push_str(close);
    out
}

fn is_pattern(cx: &Context<'_>, t: &TypeRef) -> bool {
    matches!(t, TypeRef::Named(n) if matches!(cx.api.type_def(n).map(|d| &d.kind), Some(TypeDefKind::Pattern(_))))
}

/// The items of the field's `#[serde(...)]` attribute.
fn serde_attr(cx: &Context<'_>, f: &Field) -> Vec<String> {
    let plain = f.required && !f.nullable;
    let mut items = vec![format!("rename = {}", printed::string_literal(&f.name.api))];
    if !plain {
        items.push("default".to_owned());
    }
    if !f.required {
        items.push("skip_serializing_if = \"Option::is_none\"".to_owned());
    }
    let with = if f.ty == TypeRef::DateTime {
        Some(("with", if plain { "time::serde::rfc3339" } else { "time::serde::rfc3339::option" }.to_owned()))
    } else if f.absent_vs_null {
        Some(("with", "rt::double_option".to_owned()))
    } else if let (false, TypeRef::Named(n)) = (f.boxed, &f.ty) {
        // Identifiers the server sends are trusted (see ARCHITECTURE.md, "Reading responses").
        is_pattern(cx, &f.ty).then(|| {
            ("deserialize_with", if plain { format!("{n}::from_server") } else { format!("{n}::from_server_opt") })
        })
    } else {
        None
    };
    if let Some((key, value)) = with {
        items.push(format!("{key} = {}", printed::string_literal(&value)));
    }
    items
}

/// Statements checking a value against `c` (and validating sent structs it contains); each
/// failure leaves through `?`. The value is the place `at` (a field or a local), or else a
/// reference bound to `v`.
pub(crate) fn value_checks(
    cx: &Context<'_>,
    what: &str,
    t: &TypeRef,
    c: &Constraints,
    at: Option<&TokenStream>,
) -> Vec<TokenStream> {
    let opt = |v: Option<u64>| match v {
        Some(n) => {
            let n = proc_macro2::Literal::u64_unsuffixed(n);
            quote! { Some(#n) }
        }
        None => quote! { None },
    };
    let optf = |v: Option<f64>| match v {
        Some(n) => quote! { Some(#n) },
        None => quote! { None },
    };
    // The value as a reference, as a place (copied out for numbers), and as a receiver.
    let (reference, place, recv) = match at {
        Some(at) => (quote! { &#at }, quote! { #at }, quote! { #at }),
        None => (quote! { v }, quote! { *v }, quote! { v }),
    };
    let sent = |t: &TypeRef| matches!(t, TypeRef::Named(n) if cx.api.sent_types.binary_search(n).is_ok() && matches!(cx.api.type_def(n).map(|d| &d.kind), Some(TypeDefKind::Struct { .. })));
    let mut calls = Vec::new();
    if (c.min_length.is_some() || c.max_length.is_some()) && *t == TypeRef::String {
        let (min, max) = (opt(c.min_length), opt(c.max_length));
        calls.push(quote! { rt::check_length(#reference, #min, #max, #what) });
    }
    let numeric = matches!(t, TypeRef::Integer { .. } | TypeRef::Unsigned | TypeRef::Number { .. });
    if (c.minimum.is_some() || c.maximum.is_some()) && numeric {
        let (min, max) = (optf(c.minimum), optf(c.maximum));
        let value = match t {
            TypeRef::Number { bits32: false } => place,
            TypeRef::Number { bits32: true } | TypeRef::Integer { bits32: true } => quote! { f64::from(#place) },
            _ => quote! { #place as f64 },
        };
        calls.push(quote! { rt::check_range(#value, #min, #max, #what) });
    }
    if (c.min_items.is_some() || c.max_items.is_some()) && matches!(t, TypeRef::Array(_)) {
        let (min, max) = (opt(c.min_items), opt(c.max_items));
        calls.push(quote! { rt::check_items(#recv.len(), #min, #max, #what) });
    }
    let finish = |call: TokenStream| quote! { #call?; };
    let mut checks: Vec<TokenStream> = calls.into_iter().map(finish).collect();
    match t {
        t if sent(t) => checks.push(finish(quote! { #recv.validate() })),
        TypeRef::Array(inner) if sent(inner) => {
            let c = finish(quote! { x.validate() });
            checks.push(quote! { for x in #recv.iter() { #c } });
        }
        TypeRef::Map(inner) if sent(inner) => {
            let c = finish(quote! { x.validate() });
            checks.push(quote! { for x in #recv.values() { #c } });
        }
        _ => {}
    }
    checks
}

/// Checks of one field's constraints (and of the sent structs it contains), or nothing.
fn field_checks(cx: &Context<'_>, owner: &str, f: &Field) -> TokenStream {
    let what = format!("{owner}.{}", f.name.api);
    let n = ident(&f.name.rust);
    if f.required && !f.nullable {
        let checks = value_checks(cx, &what, &f.ty, &f.constraints, Some(&quote! { self.#n }));
        return quote! { #(#checks)* };
    }
    let checks = value_checks(cx, &what, &f.ty, &f.constraints, None);
    if checks.is_empty() {
        quote! {}
    } else if f.absent_vs_null && f.ty != TypeRef::DateTime {
        quote! { if let Some(Some(v)) = &self.#n { #(#checks)* } }
    } else {
        quote! { if let Some(v) = &self.#n { #(#checks)* } }
    }
}

fn struct_def(cx: &Context<'_>, t: &TypeDef, docs: &[String], fields: &[Field]) -> TokenStream {
    let name = &t.name.rust;
    let mut def = printed::Printed::new(0);
    def.docs(0, docs);
    def.line(0, &["#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]"]);
    def.line(0, &["#[non_exhaustive]"]);
    if fields.is_empty() {
        def.line(0, &["pub struct ", name, " {}"]);
    } else {
        def.line(0, &["pub struct ", name, " {"]);
    }
    let types: Vec<String> = fields.iter().map(field_type).collect();
    for (f, fty) in fields.iter().zip(&types) {
        let mut fdocs = f.docs.clone();
        if f.name.api != f.name.rust.trim_start_matches("r#") {
            if !fdocs.is_empty() {
                fdocs.push(String::new());
            }
            fdocs.push(format!("JSON name: `{}`.", f.name.api));
        }
        if f.absent_vs_null && f.ty != TypeRef::DateTime {
            fdocs.push(String::new());
            fdocs.push("`None`: not sent; `Some(None)`: sent as `null`; `Some(Some(v))`: sent as `v`.".to_owned());
        }
        if fdocs.is_empty() {
            fdocs.push(format!("`{}`.", f.name.api));
        }
        def.docs(1, &fdocs);
        def.list(1, "#[serde", &serde_attr(cx, f), "]", false);
        def.line(1, &["pub ", &f.name.rust, ": ", fty, ","]);
    }
    if !fields.is_empty() {
        def.line(0, &["}"]);
    }
    let def = def.finish();
    // A required property that can hold one value only (a one-value enum, such as the tag of
    // a tagged union's variant) is filled in by `new`, not asked for.
    let constant = |f: &Field| -> Option<String> {
        let TypeRef::Named(n) = &f.ty else { return None };
        match &cx.api.type_def(n)?.kind {
            TypeDefKind::StringEnum { variants } if variants.len() == 1 && !f.nullable => {
                Some(format!("{n}::{}", variants[0].rust))
            }
            _ => None,
        }
    };
    // `new`, then the setters, as prettyplease prints them inside the `impl`.
    let mut methods = printed::Printed::new(4);
    methods.line(0, &["/// A value with the required fields set and every optional field empty."]);
    let mut args = Vec::new();
    let mut inits = Vec::with_capacity(fields.len());
    for (f, fty) in fields.iter().zip(&types) {
        let value = constant(f);
        if f.required && !f.nullable && value.is_none() {
            args.push(format!("{}: {fty}", f.name.rust));
        }
        inits.push(match (f.required, value) {
            (true, Some(value)) => format!("{}: {value}", f.name.rust),
            _ if f.required && !f.nullable => f.name.rust.clone(),
            _ => format!("{}: None", f.name.rust),
        });
    }
    methods.list(0, "pub fn new", &args, " -> Self {", true);
    methods.struct_expr(1, "Self", &inits);
    methods.line(0, &["}"]);
    for (f, fty) in fields.iter().zip(&types) {
        methods.docs(0, &[format!("Set `{}`.", f.name.api)]);
        methods.line(0, &["#[must_use]"]);
        let head = format!("pub fn {}", f.setter);
        if f.required && !f.nullable {
            methods.list(0, &head, &["mut self".to_owned(), format!("value: {fty}")], " -> Self {", true);
            methods.line(1, &["self.", &f.name.rust, " = value;"]);
        } else {
            methods.list(0, &head, &["mut self".to_owned(), format!("value: impl Into<{fty}>")], " -> Self {", true);
            methods.line(1, &["self.", &f.name.rust, " = value.into();"]);
        }
        methods.line(1, &["self"]);
        methods.line(0, &["}"]);
    }
    let methods = methods.finish();
    let validate = if cx.api.sent_types.binary_search(&t.name.rust).is_ok() {
        let checks = fields.iter().map(|f| field_checks(cx, &t.name.api, f));
        quote! {
            /// Check the schema's constraints (lengths, ranges, item counts) on this value and
            /// on the values it contains. The client calls this before sending.
            pub fn validate(&self) -> Result<(), rt::ValidationError> {
                #(#checks)*
                Ok(())
            }
        }
    } else {
        quote! {}
    };
    let name = ident(name);
    quote! {
        #def

        impl #name {
            #methods

            #validate
        }
    }
}

fn int_enum_def(t: &TypeDef, docs: &[String], variants: &[(Name, i64)]) -> TokenStream {
    let name = ident(&t.name.rust);
    let docs = doc_attrs(docs);
    let vs: Vec<_> = variants.iter().map(|v| ident(&v.0.rust)).collect();
    let vals: Vec<_> = variants.iter().map(|v| proc_macro2::Literal::i64_unsuffixed(v.1)).collect();
    let vdocs = variants.iter().map(|v| doc_attrs(&[format!("`{}`", v.1)]));
    quote! {
        #docs
        ///
        /// Values the server adds later arrive as `Unknown`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #vdocs #vs, )*
            /// A value this client does not know yet.
            Unknown(i64),
        }

        rt::int_enum!(#name { #( #vs => #vals ),* });
    }
}

fn one_of_def(t: &TypeDef, docs: &[String], variants: &[Variant], discriminator: Option<&str>) -> TokenStream {
    let name = ident(&t.name.rust);
    let docs = doc_attrs(docs);
    let vty = |v: &Variant| {
        let t = ty(&v.ty);
        if v.boxed {
            quote! { Box<#t> }
        } else {
            t
        }
    };
    let defs = variants.iter().map(|v| {
        let n = ident(&v.name.rust);
        let t = vty(v);
        let d = if v.tags.is_empty() {
            doc_attrs(&[format!("`{}`.", v.name.api)])
        } else {
            doc_attrs(&[format!(
                "Discriminator value {}.",
                v.tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
            )])
        };
        quote! { #d #n(#t), }
    });
    let Some(prop) = discriminator else {
        return quote! {
            #docs
            ///
            /// The first alternative that matches wins; anything else is kept as `Other`.
            #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
            #[serde(untagged)]
            #[non_exhaustive]
            pub enum #name {
                #(#defs)*
                /// A value that matches no alternative, as received.
                Other(serde_json::Value),
            }
        };
    };
    let ser_arms = variants.iter().map(|v| {
        let n = ident(&v.name.rust);
        let tag = v.tags.first().cloned().unwrap_or_default();
        quote! { Self::#n(v) => (serde_json::to_value(v).map_err(serde::ser::Error::custom)?, #tag), }
    });
    let de_arms = variants.iter().map(|v| {
        let n = ident(&v.name.rust);
        let tags = &v.tags;
        let wrap = if v.boxed {
            quote! { |v| Self::#n(Box::new(v)) }
        } else {
            quote! { Self::#n }
        };
        quote! {
            Some(#(#tags)|*) => match serde_json::from_value(value.clone()) {
                Ok(v) => Ok((#wrap)(v)),
                Err(_) => Ok(Self::Unknown(value)),
            },
        }
    });
    let tagged = doc_attrs(&[
        String::new(),
        format!(
            "Tagged by the `{prop}` property, which serialization writes itself. Unknown tags (and values \
             that do not decode) are kept as `Unknown` with the raw JSON."
        ),
    ]);
    quote! {
        #docs
        #tagged
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#defs)*
            /// A value with an unknown tag, as received.
            Unknown(serde_json::Value),
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let (mut value, tag) = match self {
                    #(#ser_arms)*
                    Self::Unknown(v) => return v.serialize(s),
                };
                // The variant's own schema usually declares the tag; add it only if missing.
                if let Some(map) = value.as_object_mut() {
                    map.entry(#prop).or_insert_with(|| serde_json::Value::from(tag));
                }
                value.serialize(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
                let tag = value.get(#prop).and_then(serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    #(#de_arms)*
                    _ => Ok(Self::Unknown(value)),
                }
            }
        }
    }
}

fn pattern_def(t: &TypeDef, docs: &[String], p: &PatternType) -> TokenStream {
    pattern_text(t, docs, p).finish()
}

/// The newtype, its `impl` and its macro call as text.
pub(super) fn pattern_text(t: &TypeDef, docs: &[String], p: &PatternType) -> printed::Printed {
    let name = t.name.rust.as_str();
    let name_lit = printed::string_literal(name);
    let pattern = &p.source;
    let mut docs = docs.to_vec();
    docs.push(String::new());
    match &p.matcher {
        Some(_) => {
            docs.push(format!("Validated against the pattern `{}`{}.", pattern.replace('`', "'"), length_note(p)))
        }
        None => docs.push(format!(
            "The spec's pattern `{}` is not checked by this client (see the generator's warning){}.",
            pattern.replace('`', "'"),
            length_note(p)
        )),
    }
    if let Some(example) = &p.example {
        docs.push(String::new());
        docs.push(format!("Example: `{example}`"));
    }
    let mut out = printed::Printed::new(0);
    out.docs(0, &docs);
    out.line(0, &["#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]"]);
    out.line(0, &["#[serde(transparent)]"]);
    out.line(0, &["pub struct ", name, "(String);"]);
    out.line(0, &["impl ", name, " {"]);
    out.line(1, &["/// The pattern from the spec (ECMA-262 syntax)."]);
    out.unbroken_line(1, &["pub const PATTERN: &'static str = ", &printed::string_literal(pattern), ";"]);
    out.line(1, &["/// Check a value without keeping it. The error borrows the value and works out"]);
    out.line(1, &["/// where it goes wrong only when asked; `ValidationError::from(error)` keeps it."]);
    out.line(1, &["#[inline]"]);
    out.line(1, &["pub fn validate(value: &str) -> Result<(), rt::InvalidValue<'_>> {"]);
    if p.min_length.is_none() && p.max_length.is_none() && p.matcher.is_none() {
        // Nothing the client can check.
        out.line(2, &["let _ = value;"]);
    }
    if p.min_length.is_some() || p.max_length.is_some() {
        out.line(2, &["let len = value.chars().count() as u64;"]);
    }
    // Each way of failing is an associated constant that says why, so the error is the value
    // and a pointer.
    let mut limits = printed::Printed::new(0);
    let bounds = [("TOO_SHORT", "at least", p.min_length, "<"), ("TOO_LONG", "at most", p.max_length, ">")];
    for (konst, bound, n, cmp) in bounds {
        if let Some(n) = n {
            let msg = printed::string_literal(&format!("{bound} {n} character{}", if n == 1 { "" } else { "s" }));
            out.line(2, &["if len ", cmp, " ", &n.to_string(), " {"]);
            out.line(3, &["return Err(rt::InvalidValue::new(value, &Self::", konst, "));"]);
            out.line(2, &["}"]);
            let head = ["const ", konst, ": rt::Locate = rt::Locate::fixed"].concat();
            limits.list(1, &head, &[name_lit.clone(), "None".to_owned(), msg], ";", true);
        }
    }
    let fns = p.matcher.as_ref().map(|m| super::pattern::write_matcher(m, name, &mut out, 2));
    out.line(2, &["Ok(())"]);
    out.line(1, &["}"]);
    if let Some(fns) = fns {
        out.append(fns);
    }
    out.append(limits);
    out.line(0, &["}"]);
    out.line(0, &["rt::string_newtype!(", name, ");"]);
    out
}

fn length_note(p: &PatternType) -> String {
    match (p.min_length, p.max_length) {
        (Some(a), Some(b)) => format!(", {a} to {b} characters"),
        (Some(a), None) => format!(", at least {a} characters"),
        (None, Some(b)) => format!(", at most {b} characters"),
        (None, None) => String::new(),
    }
}
