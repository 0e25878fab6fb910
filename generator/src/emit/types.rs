//! Named types: structs, validated string newtypes, open string enums, aliases.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_attrs, ident, ty};
use crate::ir::{Api, Field, PatternType, TypeDef, TypeDefKind};

/// The head of `types.rs` (docs, lints, imports); the items come from [`type_def`].
pub fn types_prelude(api: &Api) -> TokenStream {
    let uses_runtime =
        api.types.iter().any(|t| matches!(t.kind, TypeDefKind::Pattern(_) | TypeDefKind::StringEnum { .. }));
    let imports = if uses_runtime {
        quote! { use crate::runtime::{IntoParam, ValidationError}; }
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
pub fn type_def(t: &TypeDef) -> TokenStream {
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
        TypeDefKind::Struct { fields } => struct_def(t, &docs, fields),
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

                impl #name {
                    /// The value as sent on the wire.
                    pub fn as_str(&self) -> &str {
                        match self {
                            #( Self::#vs => #apis, )*
                            Self::Unknown(s) => s,
                        }
                    }
                }

                impl ::std::str::FromStr for #name {
                    type Err = ::std::convert::Infallible;
                    fn from_str(s: &str) -> Result<Self, Self::Err> {
                        Ok(match s {
                            #( #apis => Self::#vs, )*
                            other => Self::Unknown(other.to_owned()),
                        })
                    }
                }

                impl ::std::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }

                impl serde::Serialize for #name {
                    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        s.serialize_str(self.as_str())
                    }
                }

                impl<'de> serde::Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        let s = <String as serde::Deserialize>::deserialize(d)?;
                        Ok(s.parse().unwrap_or_else(|e: ::std::convert::Infallible| match e {}))
                    }
                }

                impl IntoParam<#name> for &#name {
                    fn into_param(self) -> Result<#name, ValidationError> {
                        Ok(self.clone())
                    }
                }
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
    }
}

fn field_type(f: &Field) -> TokenStream {
    let t = ty(&f.ty);
    if f.required && !f.nullable {
        t
    } else {
        quote! { Option<#t> }
    }
}

fn struct_def(t: &TypeDef, docs: &[String], fields: &[Field]) -> TokenStream {
    let name = ident(&t.name.rust);
    let docs = doc_attrs(docs);
    let defs = fields.iter().map(|f| {
        let fname = ident(&f.name.rust);
        let mut fdocs = f.docs.clone();
        if f.name.api != f.name.rust.trim_start_matches("r#") {
            if !fdocs.is_empty() {
                fdocs.push(String::new());
            }
            fdocs.push(format!("JSON name: `{}`.", f.name.api));
        }
        if fdocs.is_empty() {
            fdocs.push(format!("`{}`.", f.name.api));
        }
        let fdocs = doc_attrs(&fdocs);
        let api = &f.name.api;
        let fty = field_type(f);
        let serde_attr = if f.required {
            if f.nullable {
                quote! { #[serde(rename = #api, default)] }
            } else {
                quote! { #[serde(rename = #api)] }
            }
        } else {
            quote! { #[serde(rename = #api, default, skip_serializing_if = "Option::is_none")] }
        };
        quote! { #fdocs #serde_attr pub #fname: #fty, }
    });
    let required: Vec<&Field> = fields.iter().filter(|f| f.required && !f.nullable).collect();
    let args = required.iter().map(|f| {
        let n = ident(&f.name.rust);
        let t = ty(&f.ty);
        quote! { #n: #t }
    });
    let inits = fields.iter().map(|f| {
        let n = ident(&f.name.rust);
        if f.required && !f.nullable {
            quote! { #n }
        } else {
            quote! { #n: None }
        }
    });
    let setters = fields.iter().map(|f| {
        let n = ident(&f.name.rust);
        let setter = format_ident!("with_{}", f.name.rust.trim_start_matches("r#"));
        let t = ty(&f.ty);
        let doc = format!(" Set `{}`.", f.name.api);
        if f.required && !f.nullable {
            quote! {
                #[doc = #doc]
                #[must_use]
                pub fn #setter(mut self, value: #t) -> Self {
                    self.#n = value;
                    self
                }
            }
        } else {
            quote! {
                #[doc = #doc]
                #[must_use]
                pub fn #setter(mut self, value: impl Into<Option<#t>>) -> Self {
                    self.#n = value.into();
                    self
                }
            }
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub struct #name {
            #(#defs)*
        }

        impl #name {
            /// A value with the required fields set and every optional field empty.
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }

            #(#setters)*
        }
    }
}

fn pattern_def(t: &TypeDef, docs: &[String], p: &PatternType) -> TokenStream {
    let name = ident(&t.name.rust);
    let name_str = t.name.rust.as_str();
    let pattern = &p.source;
    let mut docs = docs.to_vec();
    docs.push(String::new());
    docs.push(format!("Validated against the pattern `{}`{}.", pattern.replace('`', "'"), length_note(p)));
    if let Some(example) = &p.example {
        docs.push(String::new());
        docs.push(format!("Example: `{example}`"));
    }
    let docs = doc_attrs(&docs);
    let body = super::pattern::matcher_body(&p.matcher);
    let lengths = match (p.min_length, p.max_length) {
        (None, None) => quote! {},
        (min, max) => {
            let min = min.map(|n| {
                let msg = format!("at least {n} characters");
                let n = proc_macro2::Literal::u64_unsuffixed(n);
                quote! {
                    if len < #n {
                        return Err(ValidationError::new(#name_str, None, #msg));
                    }
                }
            });
            let max = max.map(|n| {
                let msg = format!("at most {n} characters");
                let n = proc_macro2::Literal::u64_unsuffixed(n);
                quote! {
                    if len > #n {
                        return Err(ValidationError::new(#name_str, None, #msg));
                    }
                }
            });
            quote! {
                let len = value.chars().count() as u64;
                #min
                #max
            }
        }
    };
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct #name(String);

        impl #name {
            /// The pattern from the spec (ECMA-262 syntax).
            pub const PATTERN: &'static str = #pattern;

            /// Validate and wrap a value.
            pub fn new(value: impl Into<String>) -> Result<Self, ValidationError> {
                let value = value.into();
                Self::validate(&value)?;
                Ok(Self(value))
            }

            /// Check a value without keeping it.
            pub fn validate(value: &str) -> Result<(), ValidationError> {
                #lengths
                Self::check(value.as_bytes()).map_err(|(offset, expected)| ValidationError::new(#name_str, Some(offset), expected))
            }

            /// The compiled pattern: straight-line code over UTF-8 bytes.
            #[inline]
            #[allow(unused_mut, unused_assignments, clippy::needless_return)]
            fn check(b: &[u8]) -> Result<(), (usize, &'static str)> {
                #body
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The value, unwrapped.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl ::std::convert::TryFrom<&str> for #name {
            type Error = ValidationError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl ::std::convert::TryFrom<String> for #name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }

        impl IntoParam<#name> for &#name {
            fn into_param(self) -> Result<#name, ValidationError> {
                Ok(self.clone())
            }
        }

        impl IntoParam<#name> for &str {
            fn into_param(self) -> Result<#name, ValidationError> {
                #name::new(self)
            }
        }

        impl IntoParam<#name> for String {
            fn into_param(self) -> Result<#name, ValidationError> {
                #name::new(self)
            }
        }

        impl IntoParam<#name> for &String {
            fn into_param(self) -> Result<#name, ValidationError> {
                #name::new(self.as_str())
            }
        }
    }
}

fn length_note(p: &PatternType) -> String {
    match (p.min_length, p.max_length) {
        (Some(a), Some(b)) => format!(", {a} to {b} characters"),
        (Some(a), None) => format!(", at least {a} characters"),
        (None, Some(b)) => format!(", at most {b} characters"),
        (None, None) => String::new(),
    }
}
